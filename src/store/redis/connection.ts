import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { describeRedisTarget, type RedisConfig } from '../../config/redis-config.js';
import type { Logger } from '../../observability/logger.js';
import { redisFailure } from './store-guard.js';

export type RedisClient = Redis | Cluster;

/** Reconnect delays: 200 ms doubling to 2 s, forever. Redis coming back must not need a restart. */
export function reconnectDelay(attempt: number): number {
  return Math.min(100 * 2 ** Math.min(attempt, 5), 2000);
}

/**
 * A Redis or Cluster client whose every command is bounded in time, built from the config.
 *
 * ioredis defaults suit batch jobs, not request paths: commands issued while disconnected wait
 * in an offline queue and are retried 20 times, so a request hangs for tens of seconds while
 * Redis is down. Here commands fail at once while disconnected (no offline queue), in-flight
 * commands fail when their connection drops (maxRetriesPerRequest 0, no resend), and a frozen
 * server is detected by commandTimeout. The client still reconnects by itself in the background.
 */
export function createRedisClient(config: RedisConfig): RedisClient {
  const common: RedisOptions = {
    connectTimeout: config.connectTimeoutMs,
    commandTimeout: config.commandTimeoutMs,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    enableReadyCheck: true,
    enableAutoPipelining: true,
    connectionName: 'gatehouse',
    lazyConnect: true,
    ...(config.username ? { username: config.username } : {}),
    ...(config.password ? { password: config.password } : {}),
    ...(config.tls ? { tls: {} } : {}),
  };
  const { topology } = config;
  switch (topology.kind) {
    case 'single':
      return new Redis({ ...common, host: topology.node.host, port: topology.node.port, db: topology.db, enableOfflineQueue: false, retryStrategy: reconnectDelay });
    case 'sentinel':
      return new Redis({
        ...common,
        sentinels: topology.sentinels.map(({ host, port }) => ({ host, port })),
        name: topology.name,
        db: topology.db,
        role: 'master',
        ...(config.sentinelPassword ? { sentinelPassword: config.sentinelPassword } : {}),
        ...(config.tls ? { enableTLSForSentinelMode: true } : {}),
        enableOfflineQueue: false,
        retryStrategy: reconnectDelay,
        sentinelRetryStrategy: reconnectDelay,
        // Sentinel announces a failover (+switch-master) at once, but demotes the old master only
        // at its next check, up to about 10 s later; the old master takes writes until then and
        // drops them when it turns replica. Listening for the announcement, the client moves to
        // the new master before writing anything more to the old one.
        failoverDetector: true,
        // And should a write reach the old master after it turned replica (READONLY): reconnect,
        // and Sentinel points us at the new master.
        reconnectOnError: (error) => error.message.startsWith('READONLY'),
      });
    case 'cluster': {
      const { lazyConnect: _lazy, ...redisOptions } = common;
      return new Cluster(topology.nodes.map(({ host, port }) => ({ host, port })), {
        lazyConnect: true,
        enableOfflineQueue: false,
        enableReadyCheck: true,
        enableAutoPipelining: true,
        clusterRetryStrategy: reconnectDelay,
        clusterNodeRetryStrategy: reconnectDelay,
        // A failover takes the cluster a moment; a few quick retries, not ioredis's 16.
        maxRedirections: 4,
        retryDelayOnFailover: 100,
        retryDelayOnClusterDown: 100,
        retryDelayOnTryAgain: 100,
        slotsRefreshTimeout: Math.min(config.commandTimeoutMs, 1000),
        redisOptions,
      });
    }
  }
}

/**
 * Connects at boot and waits until Redis answers, at most `timeoutMs`. Afterwards the client
 * reconnects on its own; connection changes are logged once each (never per retry).
 */
export async function connectRedis(client: RedisClient, config: RedisConfig, logger: Logger, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  const target = describeRedisTarget(config);
  let healthy = false;
  let lastErrorLogAt = -Infinity;
  client.on('ready', () => {
    if (!healthy) logger.info({ redis: target }, 'Redis connection ready');
    healthy = true;
  });
  const lost = () => {
    if (healthy) logger.error({ redis: target }, 'Redis connection lost: storage requests answer 503 until it is back');
    healthy = false;
  };
  client.on('close', lost);
  client.on('end', lost);
  // Without a listener ioredis reports every reconnect failure as an unhandled 'error' event.
  let lastError: Error | undefined;
  let refused: ((error: Error) => void) | undefined;
  const onError = (error: Error) => {
    lastError = error;
    // Nothing that retrying fixes: wrong credentials, or not a Redis server at that address.
    if (isPermanent(error)) refused?.(new Error(`Redis (${target}) refused the connection: ${redisFailure(error).message}`));
    if (Date.now() - lastErrorLogAt < 10_000) return;
    lastErrorLogAt = Date.now();
    logger.warn({ redis: target, err: redisFailure(error) }, 'Redis connection error');
  };
  client.on('error', onError);
  client.on('node error', onError);

  let timer: NodeJS.Timeout | undefined;
  const ready = new Promise<void>((resolve) => client.once('ready', () => resolve()));
  const timeout = new Promise<never>((_, reject) => {
    refused = reject;
    timer = setTimeout(() => reject(new Error(`Redis (${target}) did not become ready within ${config.connectTimeoutMs} ms; is it running and reachable?${
      lastError ? ` (last error: ${redisFailure(lastError).message})` : ''}`)), config.connectTimeoutMs);
  });
  // A shutdown signal need not wait out connectTimeoutMs.
  const abort = () => refused?.(signal!.reason as Error);
  signal?.addEventListener('abort', abort);
  // The first attempt may fail while Redis is still starting; the retry strategy keeps trying.
  client.connect().catch(() => {});
  try {
    await Promise.race([ready, timeout]);
    await checkDatabase(client, config, target);
  } catch (error) {
    client.disconnect();
    throw error;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', abort);
    refused = undefined;
  }
}

/** Closes a client for good: QUIT, then the Sentinel failover detector's own connections, which QUIT leaves open. */
export async function closeRedisClient(client: RedisClient): Promise<void> {
  await client.quit().catch(() => undefined);
  client.disconnect();
}

const isPermanent = (error: Error) => /^(WRONGPASS|NOAUTH)\b|Unknown RESP type|Protocol error/i.test(error.message);

/**
 * ioredis selects the configured database on each connect, but when the server has no such
 * database it only reports the error and goes on in database 0: our keys would land among
 * another application's. Checked once at boot (a server's number of databases is fixed at its
 * start).
 */
async function checkDatabase(client: RedisClient, config: RedisConfig, target: string): Promise<void> {
  const { topology } = config;
  if (topology.kind === 'cluster' || topology.db === 0) return;
  try {
    await (client as Redis).select(topology.db);
  } catch (error) {
    throw new Error(`Redis (${target}) has no database ${topology.db} (${redisFailure(error).message}); see \`databases\` in its configuration`);
  }
}
