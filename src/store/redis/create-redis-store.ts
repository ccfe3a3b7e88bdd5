import { Cluster } from 'ioredis';
import type { RedisConfig } from '../../config/redis-config.js';
import type { Logger } from '../../observability/logger.js';
import type { Store } from '../store.js';
import { checkServerConfig } from './check-server-config.js';
import { connectRedis, createRedisClient, type RedisClient } from './connection.js';
import { createRedisKeys } from './keys.js';
import { createAdapterClientRepository } from '../../clients/client-repository.js';
import { createRedisAccountRepository } from './redis-account-repository.js';
import { createRedisKeySetRepository } from './redis-key-set-repository.js';
import { scanRecordIds } from './redis-record-ids.js';
import { createRedisResourceServerRepository } from './redis-resource-server-repository.js';
import { createRedisAdapterFactory } from './redis-adapter.js';
import { defineScripts } from './scripts.js';
import { createStoreGuard } from './store-guard.js';

/**
 * The shared store: every oidc-provider model and our accounts in Redis (one node, Sentinel
 * or Cluster), so any number of instances serve one system. Resolves once Redis answers;
 * rejects when it does not within `connectTimeoutMs`.
 */
export async function createRedisStore(deps: { connection: RedisConfig; logger: Logger }): Promise<Store> {
  const { connection, logger } = deps;
  const client = createRedisClient(connection);
  await connectRedis(client, connection, logger);
  await checkServerConfig(client, logger);

  const keys = createRedisKeys(connection.keyPrefix);
  const scripts = defineScripts(client);
  // One operation may chain a few commands (read an index, then the record): allow two
  // command timeouts, so a frozen Redis still gets the request its 503 within ~2 s.
  const guard = createStoreGuard({ logger, deadlineMs: connection.commandTimeoutMs * 2 });

  const adapterFactory = createRedisAdapterFactory({ client, scripts, keys, guard });
  return {
    kind: 'redis',
    redis: client,
    adapterFactory,
    accounts: createRedisAccountRepository({ client, scripts, keys, guard }),
    clients: createAdapterClientRepository(adapterFactory, () => guard.run('clients.list', () => scanRecordIds(client, keys, 'Client'))),
    resourceServers: createRedisResourceServerRepository({ client, keys, guard }),
    keySet: createRedisKeySetRepository({ client, keys, guard }),
    ping: () => guard.run('ping', () => ping(client)),
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/** Every master must answer: a cluster with one master down cannot serve a share of the keys. */
async function ping(client: RedisClient): Promise<void> {
  if (client instanceof Cluster) {
    const masters = client.nodes('master');
    if (client.status !== 'ready' || masters.length === 0) throw new Error(`cluster is ${client.status}`);
    await Promise.all(masters.map((node) => node.ping()));
    return;
  }
  await client.ping();
}
