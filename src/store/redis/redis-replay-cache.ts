import type { ReplayCache } from '../replay-cache.js';
import type { RedisClient } from './connection.js';
import type { RedisKeys } from './keys.js';
import type { StoreGuard } from './store-guard.js';

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
    // The client belongs to the store, which closes it.
    async close() {},
  };
}
