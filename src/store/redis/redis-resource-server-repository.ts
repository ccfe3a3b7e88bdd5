import type { ResourceServerRepository } from '../../provider/resource-server-repository.js';
import type { ResourceServer } from '../../provider/resource-servers.js';
import type { RedisClient } from './connection.js';
import type { RedisKeys } from './keys.js';
import type { StoreGuard } from './store-guard.js';

/** Resource servers in one hash (audience -> JSON): few and small; HSETNX makes create atomic. */
export function createRedisResourceServerRepository(deps: { client: RedisClient; keys: RedisKeys; guard: StoreGuard }): ResourceServerRepository {
  const { client, keys, guard } = deps;
  return {
    list: () => guard.run('resourceServers.list', async () =>
      (await client.hvals(keys.resourceServers)).map((json) => JSON.parse(json) as ResourceServer)
        .sort((a, b) => a.audience.localeCompare(b.audience))),
    create: (server) => guard.run('resourceServers.create', async () =>
      (await client.hsetnx(keys.resourceServers, server.audience, JSON.stringify(server))) === 1),
    delete: (audience) => guard.run('resourceServers.delete', async () =>
      (await client.hdel(keys.resourceServers, audience)) === 1),
  };
}
