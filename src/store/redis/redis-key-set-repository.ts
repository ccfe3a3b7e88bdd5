import type { KeySetRecord, KeySetRepository } from '../../keys/key-set.js';
import type { RedisClient } from './connection.js';
import type { RedisKeys } from './keys.js';
import type { StoreGuard } from './store-guard.js';

/**
 * KEYS[1] key set hash. ARGV: expected version ('0': none yet), new version, record JSON.
 * Compare-and-set in one step: of two operators rotating at once, one writes, the other retries.
 */
const WRITE_IF_VERSION = `
  local current = redis.call('HGET', KEYS[1], 'version') or '0'
  if current ~= ARGV[1] then return 0 end
  redis.call('HSET', KEYS[1], 'version', ARGV[2], 'record', ARGV[3])
  return 1`;

/** The key set as one hash: every instance polls it (one small read) every PROVIDER_REFRESH_SECONDS. */
export function createRedisKeySetRepository(deps: { client: RedisClient; keys: RedisKeys; guard: StoreGuard }): KeySetRepository {
  const { client, keys, guard } = deps;
  return {
    read: () => guard.run('keySet.read', async () => {
      const json = await client.hget(keys.keySet, 'record');
      return json ? JSON.parse(json) as KeySetRecord : undefined;
    }),
    write: (next, expectedVersion) => guard.run('keySet.write', async () =>
      (await client.eval(WRITE_IF_VERSION, 1, keys.keySet, String(expectedVersion), String(next.version), JSON.stringify(next))) === 1),
  };
}
