import type { Context, Middleware, Next } from 'koa';
import type { Cluster, Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from '../observability/logger.js';

export interface RegistrationLimit {
  /** Requests to the registration endpoints per client address... */
  readonly points: number;
  /** ...per this many seconds. */
  readonly durationSeconds: number;
}

/**
 * The limiter behind registration throttling: counters in the store's Redis when there is one,
 * so the limit holds across instances; in memory per instance otherwise. While Redis is
 * unreachable, an in-memory limiter stands in (rate-limiter-flexible's insurance limiter).
 */
export function createRegistrationLimiter(limit: RegistrationLimit, redis?: { client: Redis | Cluster; keyPrefix: string }): RateLimiterAbstract {
  const options = { points: limit.points, duration: limit.durationSeconds };
  const memory = new RateLimiterMemory({ ...options, keyPrefix: 'registration' });
  if (!redis) return memory;
  return new RateLimiterRedis({ ...options, storeClient: redis.client, keyPrefix: `${redis.keyPrefix}rate-limit:registration`, insuranceLimiter: memory });
}

/**
 * Throttles dynamic client registration and its management endpoints (RFC 7591/7592) per client
 * address: registration creates records, so an open endpoint invites filling the store.
 * Over the limit: 429 with Retry-After. If the limiter itself fails, the request goes through:
 * the registration endpoint answers for its own storage.
 */
export function createRegistrationRateLimit(deps: { limiter: RateLimiterAbstract; isRegistration: (path: string) => boolean; logger: Logger }): Middleware {
  const { limiter, isRegistration, logger } = deps;
  // Every other request passes by without an async frame of its own.
  return function limitRegistration(ctx, next) {
    return isRegistration(ctx.path) ? limit(ctx, next) : next();
  };

  async function limit(ctx: Context, next: Next): Promise<unknown> {
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
  }
}
