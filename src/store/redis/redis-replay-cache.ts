import type { RedisConfig } from '../../config/redis-config.js';
import type { Logger } from '../../observability/logger.js';
import type { ReplayCache } from '../replay-cache.js';
import { closeRedisClient, connectRedis, createRedisClient, type RedisClient } from './connection.js';
import { createRedisKeys, type RedisKeys } from './keys.js';
import { createStoreGuard, type StoreGuard } from './store-guard.js';

/**
 * The replay cache every instance shares: SET NX with a lifetime is one atomic step, so of
 * concurrent claims of one key on any instances exactly one wins.
 */
export function createRedisReplayCache(deps: { client: RedisClient; keys: RedisKeys; guard: StoreGuard }): ReplayCache {
  return {
    async claim(key, ttlMs) {
      const reply = await deps.guard.run('replay.claim', () => deps.client.set(deps.keys.replay(key), '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX'));
      return reply === 'OK';
    },
    async held(key) {
      return await deps.guard.run('replay.held', () => deps.client.exists(deps.keys.replay(key))) === 1;
    },
    // The client belongs to the store, which closes it.
    async close() {},
  };
}

/**
 * A replay cache with a Redis client of its own, for a part of the server that runs without the
 * store (the protected API's thread): the same keys as the store's, so every instance shares them.
 */
export async function openRedisReplayCache(config: RedisConfig, logger: Logger, signal?: AbortSignal): Promise<ReplayCache> {
  const client = createRedisClient(config);
  await connectRedis(client, config, logger, signal);
  const guard = createStoreGuard({ logger, deadlineMs: config.commandTimeoutMs * 2 });
  const cache = createRedisReplayCache({ client, keys: createRedisKeys(config.keyPrefix), guard });
  return {
    claim: cache.claim,
    held: cache.held,
    close: () => closeRedisClient(client),
  };
}
