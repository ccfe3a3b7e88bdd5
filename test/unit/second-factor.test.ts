import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from '@jest/globals';
import type { AccountRecord } from '../../src/accounts/account-repository.js';
import { createSecondFactorService, LOCK_SECONDS, MAX_FAILED_ATTEMPTS, resetSecondFactor, type SecondFactorService } from '../../src/accounts/second-factor.js';
import { totpAt } from '../../src/accounts/totp.js';
import { createKeySealer, type KeySealer } from '../../src/keys/key-encryption.js';
import { createMemoryAccountRepository } from '../../src/store/memory/memory-account-repository.js';

const ACCOUNT: AccountRecord = { id: 'u1', username: 'ada', passwordHash: 'x', createdAt: 0 };

let clock: number;
let repository: ReturnType<typeof createMemoryAccountRepository>;
let service: SecondFactorService;
let sealer: KeySealer;
const ENCRYPTION_KEY = randomBytes(32);

beforeEach(async () => {
  clock = 1_700_000_000_000;
  repository = createMemoryAccountRepository();
  await repository.create(ACCOUNT);
  sealer = createKeySealer([ENCRYPTION_KEY]);
  service = createSecondFactorService({ repository, sealer, issuer: 'Gatehouse', now: () => clock });
});

async function enrolled(): Promise<{ secret: string; recoveryCodes: string[] }> {
  const { secret } = service.newSecret(ACCOUNT);
  const result = await service.enrol(ACCOUNT.id, secret, totpAt(secret, clock));
  clock += 30_000;
  if (!result.ok) throw new Error(`enrolment failed: ${result.reason}`);
  return { secret, recoveryCodes: result.recoveryCodes };
}

describe('the authenticator-app second factor', () => {
  it('enrols only with a right code for the new secret, and keeps the record JSON without the secret or the recovery codes', async () => {
    const { secret, uri } = service.newSecret(ACCOUNT);
    expect(uri).toContain(`secret=${secret}`);
    const wrong = totpAt(secret, clock).replace(/\d$/, (digit) => String((Number(digit) + 1) % 10));
    expect(await service.enrol(ACCOUNT.id, secret, wrong)).toEqual({ ok: false, reason: 'wrong_code' });
    expect((await repository.findById(ACCOUNT.id))!.secondFactor).toBeUndefined();

    const result = await service.enrol(ACCOUNT.id, secret, totpAt(secret, clock));
    if (!result.ok) throw new Error(result.reason);
    expect(result.recoveryCodes).toHaveLength(10);
    const stored = (await repository.findById(ACCOUNT.id))!;
    expect(service.isEnrolled(stored)).toBe(true);
    expect(JSON.parse(JSON.stringify(stored))).toEqual(stored);
    expect(JSON.stringify(stored)).not.toContain(result.recoveryCodes[0]);
    expect(JSON.stringify(stored)).not.toContain(secret);
  });

  describe('the TOTP secret at rest (sealed with KEYS_ENCRYPTION_KEY)', () => {
    it('a secret stored in clear before sealing still works, and is sealed by the next check', async () => {
      const { secret } = await enrolled();
      const account = (await repository.findById(ACCOUNT.id))!;
      await repository.update({ ...account, secondFactor: { ...account.secondFactor!, totpSecret: secret } });
      expect(await service.check(ACCOUNT.id, totpAt(secret, clock))).toMatchObject({ ok: true });
      const stored = (await repository.findById(ACCOUNT.id))!.secondFactor!.totpSecret;
      expect(stored).not.toContain(secret);
      expect(sealer.open(stored, `totp:${ACCOUNT.id}`)).toBe(secret);
    });

    it('after KEYS_ENCRYPTION_KEY rotation (new key first, old one still listed) codes work and the secret is sealed anew', async () => {
      const { secret } = await enrolled();
      const rotated = createKeySealer([randomBytes(32), ENCRYPTION_KEY]);
      const afterRotation = createSecondFactorService({ repository, sealer: rotated, issuer: 'Gatehouse', now: () => clock });
      expect(await afterRotation.check(ACCOUNT.id, totpAt(secret, clock))).toMatchObject({ ok: true });
      expect(rotated.sealedWithCurrentKey((await repository.findById(ACCOUNT.id))!.secondFactor!.totpSecret)).toBe(true);
    });

    it('a sealed secret copied onto another account does not open there', async () => {
      const { secret } = await enrolled();
      const victim = (await repository.findById(ACCOUNT.id))!;
      await repository.create({ id: 'u2', username: 'eve', passwordHash: 'x', createdAt: 0, secondFactor: victim.secondFactor });
      await expect(service.check('u2', totpAt(secret, clock))).rejects.toThrow(/failed authentication/);
    });
  });

  it('accepts a code once: the enrolment code and a sign-in code cannot be used again', async () => {
    const { secret } = service.newSecret(ACCOUNT);
    const enrolmentCode = totpAt(secret, clock);
    await service.enrol(ACCOUNT.id, secret, enrolmentCode);
    expect(await service.check(ACCOUNT.id, enrolmentCode)).toEqual({ ok: false, reason: 'wrong_code' });
    clock += 30_000;
    const code = totpAt(secret, clock);
    expect(await service.check(ACCOUNT.id, code)).toMatchObject({ ok: true, method: 'totp' });
    expect(await service.check(ACCOUNT.id, code)).toEqual({ ok: false, reason: 'wrong_code' });
  });

  it('accepts the same code only once even when two checks race', async () => {
    const { secret } = await enrolled();
    const code = totpAt(secret, clock);
    const results = await Promise.all([service.check(ACCOUNT.id, code), service.check(ACCOUNT.id, code)]);
    expect(results.filter((result) => result.ok)).toHaveLength(1);
  });

  describe('on two server instances sharing the store (each with its own process-local queue)', () => {
    let other: SecondFactorService;
    beforeEach(() => {
      other = createSecondFactorService({ repository, sealer, issuer: 'Gatehouse', now: () => clock });
    });

    it('enrols on one of them only when the same enrolment form arrives at both: the codes it shows are the ones that work', async () => {
      const { secret } = service.newSecret(ACCOUNT);
      const code = totpAt(secret, clock);
      const results = await Promise.all([service.enrol(ACCOUNT.id, secret, code), other.enrol(ACCOUNT.id, secret, code), other.enrol(ACCOUNT.id, secret, code)]);
      expect(results.map((result) => result.ok ? 'enrolled' : result.reason).sort()).toEqual(['already_enrolled', 'already_enrolled', 'enrolled']);
      const shown = results.find((result) => result.ok)!;
      clock += 30_000;
      expect(await service.check(ACCOUNT.id, shown.recoveryCodes[0]!)).toMatchObject({ ok: true, method: 'recovery_code' });
    });

    it('accepts a code on one of them only', async () => {
      const { secret } = await enrolled();
      const code = totpAt(secret, clock);
      const results = await Promise.all([service.check(ACCOUNT.id, code), other.check(ACCOUNT.id, code), other.check(ACCOUNT.id, code)]);
      expect(results.filter((result) => result.ok)).toHaveLength(1);
    });

    it('accepts a recovery code on one of them only', async () => {
      const { recoveryCodes } = await enrolled();
      const results = await Promise.all([service.check(ACCOUNT.id, recoveryCodes[3]!), other.check(ACCOUNT.id, recoveryCodes[3]!)]);
      expect(results.filter((result) => result.ok)).toHaveLength(1);
      expect((await repository.findById(ACCOUNT.id))!.secondFactor!.recoveryCodeHashes).toHaveLength(9);
    });

    it('counts every wrong code, wherever it was tried', async () => {
      await enrolled();
      await Promise.all([service.check(ACCOUNT.id, '000000'), other.check(ACCOUNT.id, '000001'), service.check(ACCOUNT.id, '000002')]);
      expect((await repository.findById(ACCOUNT.id))!.secondFactor!.failedAttempts).toBe(3);
    });
  });

  it('accepts each recovery code once', async () => {
    const { recoveryCodes } = await enrolled();
    expect(await service.check(ACCOUNT.id, recoveryCodes[0]!)).toEqual({ ok: true, method: 'recovery_code', recoveryCodesLeft: 9 });
    expect(await service.check(ACCOUNT.id, recoveryCodes[0]!)).toEqual({ ok: false, reason: 'wrong_code' });
  });

  it(`pauses checking for ${LOCK_SECONDS / 60} minutes after ${MAX_FAILED_ATTEMPTS} wrong codes in a row, even a right code`, async () => {
    const { secret } = await enrolled();
    for (let attempt = 1; attempt < MAX_FAILED_ATTEMPTS; attempt++) {
      expect(await service.check(ACCOUNT.id, '000000')).toEqual({ ok: false, reason: 'wrong_code' });
    }
    expect(await service.check(ACCOUNT.id, '000000')).toEqual({ ok: false, reason: 'locked', retryAfterSeconds: LOCK_SECONDS, justLocked: true });
    expect(await service.check(ACCOUNT.id, totpAt(secret, clock))).toMatchObject({ ok: false, reason: 'locked', justLocked: false });
    clock += LOCK_SECONDS * 1000;
    expect(await service.check(ACCOUNT.id, totpAt(secret, clock))).toMatchObject({ ok: true });
    expect((await repository.findById(ACCOUNT.id))!.secondFactor!.failedAttempts).toBe(0);
  });

  it('is removed by resetSecondFactor (for the admin CLI)', async () => {
    await enrolled();
    expect(await resetSecondFactor(repository, ACCOUNT.id)).toBe(true);
    expect((await repository.findById(ACCOUNT.id))!.secondFactor).toBeUndefined();
    expect(await resetSecondFactor(repository, ACCOUNT.id)).toBe(false);
    expect(await resetSecondFactor(repository, 'nobody')).toBe(false);
    expect(await service.check(ACCOUNT.id, '123456')).toEqual({ ok: false, reason: 'not_enrolled' });
  });
});
