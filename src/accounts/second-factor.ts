import type { KeySealer } from '../keys/key-encryption.js';
import type { LoginMetrics } from '../observability/metrics.js';
import type { AccountRecord, AccountRepository, SecondFactorRecord } from './account-repository.js';
import { StoreUnavailableError } from '../store/store-errors.js';
import { findRecoveryCode, generateRecoveryCodes } from './recovery-codes.js';
import { generateTotpSecret, matchTotp, otpauthUri } from './totp.js';

/** Wrong codes in a row before checking pauses, and for how long (seconds). */
export const MAX_FAILED_ATTEMPTS = 5;
export const LOCK_SECONDS = 15 * 60;
/** Compare-and-set attempts of one check before it gives up (503). */
const MAX_WRITE_ATTEMPTS = 8;

export type CodeCheck =
  | { ok: true; method: 'totp' | 'recovery_code'; recoveryCodesLeft: number }
  | { ok: false; reason: 'wrong_code' | 'not_enrolled' }
  /** `justLocked`: this code was wrong and set the lock; otherwise the code was not looked at. */
  | { ok: false; reason: 'locked'; retryAfterSeconds: number; justLocked: boolean };

export type Enrolment =
  | { ok: true; recoveryCodes: string[] }
  /** `already_enrolled`: the account has an authenticator (another submission got there first); nothing changed. */
  | { ok: false; reason: 'wrong_code' | 'already_enrolled' };

/**
 * A sign-in's code step in the login metrics: the sign-in succeeds with its code (or with the
 * password alone when the authenticator was removed meanwhile), a wrong code is a failure, and
 * the one that sets the lock a lockout too. A code refused because of the lock was not tried.
 */
export function countSignInCode(check: CodeCheck, metrics: LoginMetrics | undefined): void {
  if (check.ok || check.reason === 'not_enrolled') return metrics?.succeeded();
  if (check.reason === 'wrong_code') return metrics?.failed();
  if (check.reason === 'locked' && check.justLocked) {
    metrics?.failed();
    metrics?.lockedOut();
  }
}

export interface SecondFactorService {
  isEnrolled(account: AccountRecord): boolean;
  /** A new secret and the otpauth:// URI for the QR code; nothing is stored until `enrol`. */
  newSecret(account: AccountRecord): { secret: string; uri: string };
  /** The otpauth:// URI for a secret being enrolled. */
  uriFor(account: AccountRecord, secret: string): string;
  /**
   * Stores the authenticator once the user proves it works with a code for `secret`, and returns
   * the recovery codes, in clear for the only time. Refused when the code is wrong, and when the
   * account already has an authenticator: that is decided in the same compare-and-set as the
   * write, so of simultaneous enrolments exactly one succeeds, and none overwrites another.
   */
  enrol(accountId: string, secret: string, code: string): Promise<Enrolment>;
  /** Checks a code from the app or a recovery code (which is then spent), counting wrong ones. */
  check(accountId: string, code: string): Promise<CodeCheck>;
  /** Removes the second factor (the admin CLI, or the user with a valid code). */
  reset(accountId: string): Promise<boolean>;
}

/**
 * The authenticator-app second factor. Every check reads the account, decides, and writes back
 * with a compare-and-set (AccountRepository.replaceIf): when another request, here or on another
 * server instance, changed the account in between, the write is refused and the check starts
 * again from what that request left (so a code or recovery code is accepted once, and no wrong
 * attempt goes uncounted, across any number of instances). Checks of one account also run one
 * at a time in this process, so local races do not even retry.
 */
export function createSecondFactorService(deps: {
  repository: AccountRepository;
  /** Seals TOTP secrets in the account record (KEYS_ENCRYPTION_KEY). */
  sealer: KeySealer;
  /** What authenticator apps show above the code (the issuer's host name). */
  issuer: string;
  now?: () => number;
}): SecondFactorService {
  const { repository, sealer } = deps;
  // The additional data binds a sealed secret to its account: copied onto another, it does not open.
  const sealSecret = (accountId: string, secret: string) => sealer.seal(secret, `totp:${accountId}`);
  /**
   * The secret, and what to store for it: as stored when the current key sealed it; sealed anew
   * when it is in clear (base32 never contains '.', a sealed secret always does: records from
   * before sealing) or sealed by an older key.
   */
  const readSecret = (accountId: string, stored: string) => {
    const sealed = stored.includes('.');
    const secret = sealed ? sealer.open(stored, `totp:${accountId}`) : stored;
    return { secret, toStore: sealed && sealer.sealedWithCurrentKey(stored) ? stored : sealSecret(accountId, secret) };
  };
  const now = deps.now ?? Date.now;
  const queues = new Map<string, Promise<unknown>>();

  const serialized = <T>(accountId: string, task: () => Promise<T>): Promise<T> => {
    const previous = queues.get(accountId) ?? Promise.resolve();
    const run = previous.then(task, task);
    const settled = run.catch(() => undefined);
    queues.set(accountId, settled);
    void settled.then(() => {
      if (queues.get(accountId) === settled) queues.delete(accountId);
    });
    return run;
  };

  /**
   * Read, decide, compare-and-set; again from a fresh read while someone else's write got in
   * between. `decide` returns the answer and, when the account must change, its second factor.
   */
  const transact = async <T>(accountId: string, decide: (account: AccountRecord) => { result: T; secondFactor?: SecondFactorRecord }, absent: T): Promise<T> => {
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const account = await repository.findById(accountId);
      if (!account) return absent;
      const decision = decide(account);
      if (!('secondFactor' in decision)) return decision.result;
      if (await repository.replaceIf(account, { ...account, secondFactor: decision.secondFactor })) return decision.result;
    }
    // Only a flood of concurrent checks of this one account gets here: fail closed, as storage trouble.
    throw new StoreUnavailableError({ cause: new Error(`second factor of an account changed under ${MAX_WRITE_ATTEMPTS} writes in a row`) });
  };

  return {
    isEnrolled: (account) => account.secondFactor !== undefined,

    newSecret(account) {
      const secret = generateTotpSecret();
      return { secret, uri: otpauthUri({ issuer: deps.issuer, accountName: account.username, secret }) };
    },
    uriFor: (account, secret) => otpauthUri({ issuer: deps.issuer, accountName: account.username, secret }),

    enrol: (accountId, secret, code) => serialized(accountId, () => {
      const step = matchTotp(secret, code, now());
      if (step === undefined) return Promise.resolve<Enrolment>({ ok: false, reason: 'wrong_code' });
      const { codes, hashes } = generateRecoveryCodes();
      return transact<Enrolment>(accountId, (account) => {
        // Another submission (a double click, another instance) enrolled first: keep its codes working.
        if (account.secondFactor) return { result: { ok: false, reason: 'already_enrolled' } };
        return {
          result: { ok: true, recoveryCodes: codes },
          secondFactor: { totpSecret: sealSecret(accountId, secret), enrolledAt: Math.floor(now() / 1000), lastUsedStep: step, recoveryCodeHashes: hashes, failedAttempts: 0 },
        };
      }, { ok: false, reason: 'wrong_code' });
    }),

    check: (accountId, code) => serialized(accountId, () => transact<CodeCheck>(accountId, (account) => {
      const factor = account.secondFactor;
      if (!factor) return { result: { ok: false, reason: 'not_enrolled' } };
      const nowSeconds = Math.floor(now() / 1000);
      if (factor.lockedUntil !== undefined && factor.lockedUntil > nowSeconds) {
        return { result: { ok: false, reason: 'locked', retryAfterSeconds: factor.lockedUntil - nowSeconds, justLocked: false } };
      }
      const { secret, toStore: totpSecret } = readSecret(accountId, factor.totpSecret);
      const step = matchTotp(secret, code, now(), factor.lastUsedStep);
      if (step !== undefined) {
        return {
          result: { ok: true, method: 'totp', recoveryCodesLeft: factor.recoveryCodeHashes.length },
          secondFactor: { ...factor, totpSecret, lastUsedStep: step, failedAttempts: 0, lockedUntil: undefined },
        };
      }
      const index = findRecoveryCode(code, factor.recoveryCodeHashes);
      if (index !== -1) {
        const recoveryCodeHashes = factor.recoveryCodeHashes.filter((_, i) => i !== index);
        return {
          result: { ok: true, method: 'recovery_code', recoveryCodesLeft: recoveryCodeHashes.length },
          secondFactor: { ...factor, totpSecret, recoveryCodeHashes, failedAttempts: 0, lockedUntil: undefined },
        };
      }
      const failedAttempts = factor.failedAttempts + 1;
      const locked = failedAttempts % MAX_FAILED_ATTEMPTS === 0;
      return {
        result: locked ? { ok: false, reason: 'locked', retryAfterSeconds: LOCK_SECONDS, justLocked: true } : { ok: false, reason: 'wrong_code' },
        secondFactor: { ...factor, totpSecret, failedAttempts, lockedUntil: locked ? nowSeconds + LOCK_SECONDS : factor.lockedUntil },
      };
    }, { ok: false, reason: 'not_enrolled' })),

    reset: (accountId) => resetSecondFactor(repository, accountId),
  };
}

/**
 * Removes an account's second factor (lost phone and recovery codes): the next sign-in asks for
 * the password only. For the admin CLI. False when there is no such account or nothing to remove.
 */
export async function resetSecondFactor(repository: AccountRepository, accountId: string): Promise<boolean> {
  const account = await repository.findById(accountId);
  if (!account?.secondFactor) return false;
  await repository.update({ ...account, secondFactor: undefined });
  return true;
}
