import type { Middleware } from 'koa';
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from '../observability/logger.js';

export interface RegistrationLimit {
  /** Requests to the registration endpoints per client address... */
  readonly points: number;
  /** ...per this many seconds. */
  readonly durationSeconds: number;
}

/**
 * The limiter behind registration throttling. Memory by default (per instance); a store that
 * shares counters across instances passes its own rate-limiter-flexible limiter instead.
 */
export function createRegistrationLimiter(limit: RegistrationLimit): RateLimiterAbstract {
  return new RateLimiterMemory({ keyPrefix: 'registration', points: limit.points, duration: limit.durationSeconds });
}

/**
 * Throttles dynamic client registration and its management endpoints (RFC 7591/7592) per client
 * address: registration creates records, so an open endpoint invites filling the store.
 * Over the limit: 429 with Retry-After. If the limiter itself fails, the request goes through:
 * the registration endpoint answers for its own storage.
 */
export function createRegistrationRateLimit(deps: { limiter: RateLimiterAbstract; path: string; logger: Logger }): Middleware {
  const { limiter, path, logger } = deps;
  return async function limitRegistration(ctx, next) {
    if (ctx.path !== path && !ctx.path.startsWith(`${path}/`)) return next();
    try {
      await limiter.consume(ctx.ip);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) {
        logger.warn({ err: rejection }, 'registration rate limiter unavailable; request not throttled');
        return next();
      }
      const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      logger.info({ event: 'registration.throttled', ip: ctx.ip }, 'registration throttled');
      ctx.status = 429;
      ctx.set('Retry-After', String(retryAfter));
      ctx.set('Cache-Control', 'no-store');
      ctx.body = {
        error: 'temporarily_unavailable',
        error_description: `Too many registration requests from this address. Retry in ${retryAfter} s.`,
      };
      return undefined;
    }
    return next();
  };
}
