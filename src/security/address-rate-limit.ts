import type { Context, Middleware, Next } from 'koa';
import type { Cluster, Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from '../observability/logger.js';
import { requestLog } from '../observability/request-observer.js';

export interface AddressLimit {
  /** Requests per client address... */
  readonly points: number;
  /** ...per this many seconds. */
  readonly durationSeconds: number;
}

/**
 * Counters per client address for one purpose (`name`, part of the key): in the store's Redis
 * when there is one, so the limit holds across instances; in memory per instance otherwise.
 * While Redis is unreachable, an in-memory limiter stands in (rate-limiter-flexible's insurance
 * limiter).
 */
export function createAddressLimiter(name: string, limit: AddressLimit, redis?: { client: Redis | Cluster; keyPrefix: string }): RateLimiterAbstract {
  const options = { points: limit.points, duration: limit.durationSeconds };
  const memory = new RateLimiterMemory({ ...options, keyPrefix: name });
  if (!redis) return memory;
  return new RateLimiterRedis({ ...options, storeClient: redis.client, keyPrefix: `${redis.keyPrefix}rate-limit:${name}`, insuranceLimiter: memory });
}

export interface AddressRateLimitDeps {
  limiter: RateLimiterAbstract;
  /** Which requests count; every other passes by without an async frame of its own. */
  applies: (ctx: Context) => boolean;
  logger: Logger;
  /** The log event of a refused request, e.g. "registration.throttled". */
  event: string;
  /** What the refused client is told, given the seconds to wait. */
  tooMany: (retryAfterSeconds: number) => string;
}

/**
 * Throttles requests per client address: over the limit, 429 with Retry-After, as an OAuth JSON
 * error or our page for a browser (the app's error handler answers). If the limiter itself
 * fails, the request goes through: the endpoint behind answers for its own storage.
 */
export function createAddressRateLimit(deps: AddressRateLimitDeps): Middleware {
  const { limiter, applies, logger } = deps;
  return function limitByAddress(ctx, next) {
    return applies(ctx) ? limit(ctx, next) : next();
  };

  async function limit(ctx: Context, next: Next): Promise<unknown> {
    try {
      await limiter.consume(ctx.ip);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) {
        requestLog(ctx, logger).warn({ err: rejection, event: deps.event }, 'rate limiter unavailable; request not throttled');
        return next();
      }
      const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      requestLog(ctx, logger).info({ event: deps.event, ip: ctx.ip }, 'request throttled');
      ctx.set('Retry-After', String(retryAfter));
      ctx.throw(429, { expose: true, error: 'temporarily_unavailable', error_description: deps.tooMany(retryAfter) });
    }
    return next();
  }
}
