import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { Context } from 'koa';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { normalizeUsername } from '../accounts/account-repository.js';
import type { Logger } from '../observability/logger.js';
import type { LoginMetrics } from '../observability/metrics.js';
import { requestLog } from '../observability/request-observer.js';
import { StoreUnavailableError } from '../store/store-errors.js';

export interface LoginAttempt {
  /** As typed: it is normalized here, so "Alice" and "alice " share a counter. */
  readonly username: string;
  /** The client address (ctx.ip: X-Forwarded-For only when TRUST_PROXY is set). */
  readonly ip: string;
}

/** What hit its limit: the account (slow brute force) or the address (credential stuffing). */
export type ThrottleScope = 'account' | 'address';

/** What a sign-in attempt may do, decided before its password is checked. */
export interface Admission {
  /** Seconds to wait before any attempt for this account or from this address is checked; 0 when this one goes ahead. */
  readonly retryAfterSeconds: number;
  /** The limits this attempt takes the last try of: if its password is wrong, they lock now. */
  readonly lastTry: readonly ThrottleScope[];
}

export interface LoginThrottle {
  /**
   * Counts the attempt as a failure before its password is checked, in one atomic step per
   * counter: of attempts sent all at once, as of attempts sent one by one, only as many as the
   * limit are checked (reading the counts first and counting after the check let a burst of
   * guesses through). An attempt over a limit is not counted and must wait.
   */
  admit(attempt: LoginAttempt): Promise<Admission>;
  /**
   * The password was right: the attempt was no failure. Clears the account's count and gives
   * the address its try back (the address's count is not cleared: the address may be shared).
   */
  succeeded(attempt: LoginAttempt): Promise<void>;
}

export interface LoginThrottleDeps {
  /** Shared counters when the store is Redis (every instance sees every failure); else in-process. */
  readonly redis?: Redis | Cluster | undefined;
  /** The store's key prefix (REDIS_KEY_PREFIX), so deployments sharing a Redis keep apart. */
  readonly keyPrefix?: string | undefined;
  readonly accountFailures: number;
  readonly addressFailures: number;
  readonly windowSeconds: number;
}

/**
 * Counts failed sign-ins per account and per client address in fixed windows (OWASP ASVS 6.3.x,
 * RFC 6819 §4.4.3.6). Unknown usernames are counted exactly like existing ones, so the throttle
 * itself tells nothing about which accounts exist.
 */
export function createLoginThrottle(deps: LoginThrottleDeps): LoginThrottle {
  const limiter = (keyPrefix: string, points: number): RateLimiterAbstract => {
    const options = { keyPrefix, points, duration: deps.windowSeconds };
    return deps.redis ? new RateLimiterRedis({ ...options, storeClient: deps.redis }) : new RateLimiterMemory(options);
  };
  const prefix = deps.keyPrefix ?? 'gatehouse:';
  const byAccount = limiter(`${prefix}login-fail:account`, deps.accountFailures);
  const byAddress = limiter(`${prefix}login-fail:address`, deps.addressFailures);
  // Hashed: the counters' keys carry neither usernames nor unbounded input into the store.
  const accountKey = (attempt: LoginAttempt) => createHash('sha256').update(normalizeUsername(attempt.username)).digest('base64url');

  // Over the limit, consume rejects with the counter (a RateLimiterRes), not an Error.
  const consume = (counters: RateLimiterAbstract, key: string) => counters.consume(key).catch((reason: unknown) => {
    if (reason instanceof RateLimiterRes) return reason;
    throw reason;
  });

  return {
    async admit(attempt) {
      const key = accountKey(attempt);
      const [account, address] = await guard(Promise.all([consume(byAccount, key), consume(byAddress, attempt.ip)]));
      const accountOver = account.consumedPoints > deps.accountFailures;
      const addressOver = address.consumedPoints > deps.addressFailures;
      if (accountOver || addressOver) {
        // Not checked, so not counted where it was still within a limit: waiting on the address's
        // limit must not use up the account's tries. (A counter past its limit stays so until its window ends.)
        await guard(Promise.all([
          accountOver ? undefined : byAccount.reward(key, 1),
          addressOver ? undefined : byAddress.reward(attempt.ip, 1),
        ]));
        const waitMs = Math.max(accountOver ? account.msBeforeNext : 0, addressOver ? address.msBeforeNext : 0);
        return { retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)), lastTry: [] };
      }
      const lastTry: ThrottleScope[] = [];
      if (account.consumedPoints === deps.accountFailures) lastTry.push('account');
      if (address.consumedPoints === deps.addressFailures) lastTry.push('address');
      return { retryAfterSeconds: 0, lastTry };
    },
    async succeeded(attempt) {
      await guard(Promise.all([byAccount.delete(accountKey(attempt)), byAddress.reward(attempt.ip, 1)]));
    },
  };
}

export interface ThrottledAnswer {
  readonly throttle: LoginThrottle;
  readonly logger: Logger;
  /** The log line's message: which form was throttled. */
  readonly message: string;
  /** Shows the form again, saying the attempt must wait this many seconds. */
  readonly render: (waitSeconds: number) => Promise<void>;
}

/**
 * The first step of every sign-in form, before the password is checked (so a throttled attempt
 * learns nothing, whether the account exists or not): counts the attempt, and while attempts
 * must wait answers 429 with Retry-After (RFC 6585 §4) and the form again, and logs it without
 * the username. Resolves to the admission when the attempt goes ahead, undefined when it answered.
 */
export async function admitSignIn(ctx: Context, attempt: LoginAttempt, answer: ThrottledAnswer): Promise<Admission | undefined> {
  const admission = await answer.throttle.admit(attempt);
  if (admission.retryAfterSeconds <= 0) return admission;
  requestLog(ctx, answer.logger).warn({ event: 'login.throttled', ip: ctx.ip }, answer.message);
  ctx.status = 429;
  ctx.set('Retry-After', String(admission.retryAfterSeconds));
  await answer.render(admission.retryAfterSeconds);
  return undefined;
}

/**
 * The step after a wrong password on every sign-in form (the throttle counted it already): counts
 * it, and each lock it set off, in the login metrics, and logs each lock, without the username.
 */
export function reportFailedSignIn(ctx: Context, admission: Admission, report: { logger: Logger; metrics?: LoginMetrics | undefined }): void {
  report.metrics?.failed();
  for (const scope of admission.lastTry) {
    report.metrics?.lockedOut();
    requestLog(ctx, report.logger).warn({ event: 'login.lockout', scope, ip: ctx.ip }, `sign-ins locked for this ${scope}`);
  }
}

/** Counters that cannot be read mean storage is down: answer 503, never sign in unthrottled. */
async function guard<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw new StoreUnavailableError({ cause: error });
  }
}
