import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { createKeySealer, KeyDecryptionError, parseEncryptionKeys } from '../../src/keys/key-encryption.js';
import { checkSealerOpens, KeySetError, retireKey, rotateKeySet, RETIRE_MARGIN_SECONDS, seedKeySet, updateKeySet } from '../../src/keys/key-rotation.js';
import { activeKeyFor, keyStatus, publishedKeys, type KeySetRecord } from '../../src/keys/key-set.js';
import { createKeySetOpener } from '../../src/keys/open-key-set.js';
import { generateSigningKeys } from '../../src/keys/signing-keys.js';
import { createMemoryKeySetRepository } from '../../src/store/memory/memory-key-set-repository.js';

const sealer = createKeySealer([randomBytes(32)]);
const DAY = 86_400;
const T0 = 1_800_000_000;
const options = (now: number, activateIn = 60) => ({ now, activateIn, algorithms: ['RS256', 'ES256'] as const, sealer, maxTokenLifetime: DAY });

async function seeded(): Promise<KeySetRecord> {
  return { version: 1, ...(await seedKeySet(await generateSigningKeys(), sealer, T0, DAY)) };
}

describe('sealed private keys (AES-256-GCM)', () => {
  it('open with the key that sealed them, bound to their kid', () => {
    const sealed = sealer.seal('{"d":"secret"}', 'kid-1');
    expect(sealed).not.toContain('secret');
    expect(sealer.open(sealed, 'kid-1')).toBe('{"d":"secret"}');
    expect(() => sealer.open(sealed, 'kid-2')).toThrow(KeyDecryptionError);
  });

  it('refuse a ciphertext that was altered', () => {
    const sealed = sealer.seal('{"d":"secret"}', 'kid-1');
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0]! ^= 1;
    parts[3] = body.toString('base64url');
    expect(() => sealer.open(parts.join('.'), 'kid-1')).toThrow(/failed authentication/);
  });

  it('still open after the encryption key rotates: the new key seals, the old one still opens', () => {
    const oldKey = randomBytes(32);
    const sealedBefore = createKeySealer([oldKey]).seal('old', 'k');
    const rotated = createKeySealer([randomBytes(32), oldKey]);
    expect(rotated.open(sealedBefore, 'k')).toBe('old');
    expect(() => createKeySealer([randomBytes(32)]).open(sealedBefore, 'k')).toThrow(/does not list/);
  });

  it('KEYS_ENCRYPTION_KEY entries must be 32 bytes of base64', () => {
    expect(parseEncryptionKeys(randomBytes(32).toString('base64')).problems).toEqual([]);
    expect(parseEncryptionKeys(`${randomBytes(32).toString('base64url')},${randomBytes(32).toString('base64')}`).keys).toHaveLength(2);
    expect(parseEncryptionKeys('too-short').problems[0]).toMatch(/entry #1 must be 32 random bytes in base64/);
  });
});

describe('the key set', () => {
  it('seeded from the configured JWKS: both keys active at once, private parts sealed', async () => {
    const record = await seeded();
    expect(activeKeyFor(record, 'RS256', T0)?.publicJwk.kty).toBe('RSA');
    expect(activeKeyFor(record, 'ES256', T0)?.publicJwk.crv).toBe('P-256');
    for (const key of record.keys) {
      expect(key.publicJwk).not.toHaveProperty('d');
      expect(key.sealedPrivateJwk).not.toContain('"d"');
    }
  });

  it('seeded from a JWKS with two keys of an algorithm: the first signs, the second only verifies until tokens it signed have expired', async () => {
    const { keys } = await generateSigningKeys();
    const [older] = (await generateSigningKeys()).keys;
    const record = { version: 1, ...(await seedKeySet({ keys: [...keys, older!] }, sealer, T0, DAY)) };
    const [signing, verifying] = record.keys.filter((key) => key.alg === 'RS256');
    expect(activeKeyFor(record, 'RS256', T0)?.kid).toBe(signing!.kid);
    expect(publishedKeys(record, T0).map((key) => key.kid)).toContain(verifying!.kid);
    // Not published forever: it leaves once the tokens it may have signed before have expired.
    expect(keyStatus(record, verifying!, T0 + DAY + RETIRE_MARGIN_SECONDS - 1)).toBe('retiring');
    expect(keyStatus(record, verifying!, T0 + DAY + RETIRE_MARGIN_SECONDS)).toBe('expired');
    expect(signing!.retireAfter).toBeUndefined();
  });

  it('a verify-only key with no date to leave (from an older seed) gets one at the next rotation', async () => {
    const before = await seeded();
    const undated = { ...(await seeded()).keys.find((key) => key.alg === 'RS256')!, generation: 0 };
    const record = { version: 1, keys: [...before.keys, undated] };
    expect(keyStatus(record, undated, T0 + 10 * DAY)).toBe('retiring');
    const rotated = { version: 2, ...(await rotateKeySet(record, options(T0 + 1, 0))).draft };
    expect(rotated.keys.find((key) => key.kid === undated.kid)?.retireAfter).toBe(T0 + 1 + DAY + RETIRE_MARGIN_SECONDS);
  });

  it('rotation publishes the new keys at once but signs with them only after activateIn', async () => {
    const before = await seeded();
    const { draft, added } = await rotateKeySet(before, options(T0 + 100, 60));
    const record = { version: 2, ...draft };
    const newRsa = added.find((key) => key.alg === 'RS256')!;
    const oldRsa = before.keys.find((key) => key.alg === 'RS256')!;

    expect(publishedKeys(record, T0 + 100).map((key) => key.kid)).toEqual(expect.arrayContaining(record.keys.map((key) => key.kid)));
    expect(activeKeyFor(record, 'RS256', T0 + 159)?.kid).toBe(oldRsa.kid);
    expect(keyStatus(record, newRsa, T0 + 159)).toBe('next');
    expect(activeKeyFor(record, 'RS256', T0 + 160)?.kid).toBe(newRsa.kid);
    // Active keys come first in the JWKS: oidc-provider signs with the first key of an algorithm.
    expect(publishedKeys(record, T0 + 160).slice(0, 2).map((key) => key.kid).sort()).toEqual(added.map((key) => key.kid).sort());
  });

  it('keeps a superseded key published until every token it signed has expired, then drops it', async () => {
    const before = await seeded();
    const { draft } = await rotateKeySet(before, options(T0, 60));
    const record = { version: 2, ...draft };
    const oldEs = before.keys.find((key) => key.alg === 'ES256')!;
    const retireAfter = T0 + 60 + DAY + RETIRE_MARGIN_SECONDS;
    expect(record.keys.find((key) => key.kid === oldEs.kid)?.retireAfter).toBe(retireAfter);
    expect(keyStatus(record, record.keys.find((key) => key.kid === oldEs.kid)!, retireAfter - 1)).toBe('retiring');
    expect(publishedKeys(record, retireAfter - 1).map((key) => key.kid)).toContain(oldEs.kid);
    expect(publishedKeys(record, retireAfter).map((key) => key.kid)).not.toContain(oldEs.kid);

    // The next write drops its private part for good.
    const { draft: later } = await rotateKeySet(record, options(retireAfter, 60));
    expect(later.keys.map((key) => key.kid)).not.toContain(oldEs.kid);
  });

  it('a new set on an empty store signs at once (there is nothing to wait for)', async () => {
    const { draft } = await rotateKeySet(undefined, options(T0, 3600));
    expect(activeKeyFor({ version: 1, ...draft }, 'RS256', T0)).toBeDefined();
  });

  it('refuses to retire the active key, or a retiring one before its tokens expire unless forced', async () => {
    const before = await seeded();
    const oldRsa = before.keys.find((key) => key.alg === 'RS256')!;
    expect(() => retireKey(before, oldRsa.kid, { now: T0, force: false })).toThrow(/active RS256 key: run `gatehouse keys rotate` first/);

    const record = { version: 2, ...(await rotateKeySet(before, options(T0, 0))).draft };
    expect(() => retireKey(record, oldRsa.kid, { now: T0 + 10, force: false })).toThrow(/may be valid until .*pass --force/);
    expect(retireKey(record, oldRsa.kid, { now: T0 + 10, force: true }).keys.map((key) => key.kid)).not.toContain(oldRsa.kid);
    expect(() => retireKey(record, 'nope', { now: T0, force: true })).toThrow(KeySetError);
  });

  it('is written with compare-and-set: a concurrent writer makes the loser retry on fresh data', async () => {
    const repository = createMemoryKeySetRepository();
    await updateKeySet(repository, async () => seedKeySet(await generateSigningKeys(), sealer, T0, DAY));
    let interfered = false;
    const result = await updateKeySet(repository, async (current) => {
      if (!interfered) {
        interfered = true;
        // Another operator rotates between our read and our write.
        const other = await rotateKeySet(current, options(T0, 0));
        expect(await repository.write({ version: current!.version + 1, ...other.draft }, current!.version)).toBe(true);
      }
      return (await rotateKeySet(current, options(T0 + 1, 0))).draft;
    });
    expect(result?.version).toBe(3);
    // Three generations: the seed, the other operator's, ours.
    expect(new Set(result!.keys.map((key) => key.generation))).toEqual(new Set([1, 2, 3]));
  });

  it('is changed only by a writer whose KEYS_ENCRYPTION_KEY opens the stored keys', async () => {
    const record = await seeded();
    expect(() => checkSealerOpens(record, sealer, T0)).not.toThrow();
    expect(() => checkSealerOpens(undefined, createKeySealer([randomBytes(32)]), T0)).not.toThrow();
    // Another DATA_DIR's development key: the keys it would add open on no server.
    const other = createKeySealer([randomBytes(32)]);
    expect(() => checkSealerOpens(record, other, T0)).toThrow(KeySetError);
    expect(() => checkSealerOpens(record, other, T0)).toThrow(/KEYS_ENCRYPTION_KEY does not match the key the stored signing keys are sealed with/);
  });

  it('opens into a private JWKS in signing order, decrypting each key once', async () => {
    const record = { version: 2, ...(await rotateKeySet(await seeded(), options(T0, 0))).draft };
    let opened = 0;
    const counting = { ...sealer, open: (sealed: string, aad: string) => { opened++; return sealer.open(sealed, aad); } };
    const open = createKeySetOpener(counting);
    const jwks = open(publishedKeys(record, T0 + 1));
    expect(jwks.keys.map((key) => key.kid)).toEqual(publishedKeys(record, T0 + 1).map((key) => key.kid));
    expect(jwks.keys.every((key) => typeof key.d === 'string')).toBe(true);
    open(publishedKeys(record, T0 + 1));
    expect(opened).toBe(4);
  });
});
