import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { Context } from 'koa';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { normalizeUsername } from '../accounts/account-repository.js';
import type { Logger } from '../observability/logger.js';
import { StoreUnavailableError } from '../store/store-errors.js';

export interface LoginAttempt {
  /** As typed: it is normalized here, so "Alice" and "alice " share a counter. */
  readonly username: string;
  /** The client address (ctx.ip: X-Forwarded-For only when TRUST_PROXY is set). */
  readonly ip: string;
}

/** What hit its limit: the account (slow brute force) or the address (credential stuffing). */
export type ThrottleScope = 'account' | 'address';

export interface LoginThrottle {
  /** Seconds to wait before this attempt may be checked at all; 0 when it may go ahead. */
  retryAfter(attempt: LoginAttempt): Promise<number>;
  /** Counts a failed attempt; returns the scopes this failure just locked. */
  failed(attempt: LoginAttempt): Promise<ThrottleScope[]>;
  /** A successful sign-in clears the account's count (not the address's: it may be shared). */
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

  return {
    async retryAfter(attempt) {
      const [account, address] = await guard(Promise.all([byAccount.get(accountKey(attempt)), byAddress.get(attempt.ip)]));
      const waits = [
        account && account.consumedPoints >= deps.accountFailures ? account.msBeforeNext : 0,
        address && address.consumedPoints >= deps.addressFailures ? address.msBeforeNext : 0,
      ];
      return Math.ceil(Math.max(...waits) / 1000);
    },
    async failed(attempt) {
      const consume = (limiterOf: RateLimiterAbstract, key: string) =>
        // Over the limit, consume rejects with the counter (a RateLimiterRes), not an Error.
        limiterOf.consume(key).catch((reason: unknown) => {
          if (reason instanceof RateLimiterRes) return reason;
          throw reason;
        });
      const [account, address] = await guard(Promise.all([consume(byAccount, accountKey(attempt)), consume(byAddress, attempt.ip)]));
      const locked: ThrottleScope[] = [];
      if (account.consumedPoints === deps.accountFailures) locked.push('account');
      if (address.consumedPoints === deps.addressFailures) locked.push('address');
      return locked;
    },
    async succeeded(attempt) {
      await guard(byAccount.delete(accountKey(attempt)));
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
 * learns nothing, whether the account exists or not): while the attempt must wait, answers
 * 429 with Retry-After (RFC 6585 §4) and the form again, and logs it without the username.
 * Resolves true when it answered; the caller goes on only on false.
 */
export async function answerIfThrottled(ctx: Context, attempt: LoginAttempt, answer: ThrottledAnswer): Promise<boolean> {
  const wait = await answer.throttle.retryAfter(attempt);
  if (wait <= 0) return false;
  answer.logger.warn({ event: 'login.throttled', ip: ctx.ip }, answer.message);
  ctx.status = 429;
  ctx.set('Retry-After', String(wait));
  await answer.render(wait);
  return true;
}

/**
 * The step after a wrong password on every sign-in form: counts the failure and logs each lock it
 * set off (without the username). Returns the scopes it locked.
 */
export async function countFailedSignIn(ctx: Context, attempt: LoginAttempt, deps: { throttle: LoginThrottle; logger: Logger }): Promise<ThrottleScope[]> {
  const locked = await deps.throttle.failed(attempt);
  for (const scope of locked) deps.logger.warn({ event: 'login.lockout', scope, ip: ctx.ip }, `sign-ins locked for this ${scope}`);
  return locked;
}

/** Counters that cannot be read mean storage is down: answer 503, never sign in unthrottled. */
async function guard<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw new StoreUnavailableError({ cause: error });
  }
}
