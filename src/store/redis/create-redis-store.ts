import { Cluster } from 'ioredis';
import type { RedisConfig } from '../../config/redis-config.js';
import type { Logger } from '../../observability/logger.js';
import type { Store } from '../store.js';
import { checkServerConfig } from './check-server-config.js';
import { closeRedisClient, connectRedis, createRedisClient, type RedisClient } from './connection.js';
import { createRedisKeys } from './keys.js';
import { createAdapterClientRepository } from '../../clients/client-repository.js';
import { createRedisAccountRepository } from './redis-account-repository.js';
import { createRedisKeySetRepository } from './redis-key-set-repository.js';
import { scanRecordIds } from './redis-record-ids.js';
import { createRedisResourceServerRepository } from './redis-resource-server-repository.js';
import { createRedisAdapterFactory } from './redis-adapter.js';
import { createRedisReplayCache } from './redis-replay-cache.js';
import { defineScripts } from './scripts.js';
import { createStoreGuard } from './store-guard.js';

/**
 * The shared store: every oidc-provider model and our accounts in Redis (one node, Sentinel
 * or Cluster), so any number of instances serve one system. Resolves once Redis answers;
 * rejects when it does not within `connectTimeoutMs`, or when `signal` aborts the wait.
 */
export async function createRedisStore(deps: { connection: RedisConfig; logger: Logger; signal?: AbortSignal }): Promise<Store> {
  const { connection, logger } = deps;
  const client = createRedisClient(connection);
  await connectRedis(client, connection, logger, deps.signal);
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
    replayCache: createRedisReplayCache({ client, keys, guard }),
    ping: () => guard.run('ping', () => ping(client)),
    close: () => closeRedisClient(client),
  };
}

/**
 * Ready means every key is reachable. In a cluster that takes every master reporting all
 * slots served (cluster_state:ok) and this client connected to every master serving them: a
 * dead master drops out of the client's node list, and after it returns the client only
 * learns of it again at its next slots refresh.
 */
async function ping(client: RedisClient): Promise<void> {
  if (client instanceof Cluster) {
    const masters = client.nodes('master');
    if (client.status !== 'ready' || masters.length === 0) throw new Error(`cluster is ${client.status}`);
    // Every master answers, and sees the cluster whole (views converge a moment after a change).
    const infos = await Promise.all(masters.map((node) => node.cluster('INFO') as Promise<string>));
    for (const info of infos) {
      if (!/^cluster_state:ok\s*$/m.test(info)) throw new Error('cluster_state is not ok');
      const size = Number(/^cluster_size:(\d+)/m.exec(info)?.[1]);
      if (masters.length < size) throw new Error(`connected to ${masters.length} of ${size} masters`);
    }
    return;
  }
  await client.ping();
}
