import type { Config } from '../config/load-config.js';
import { describeRedisTarget } from '../config/redis-config.js';
import type { Logger } from '../observability/logger.js';
import { createMemoryStore, defaultMemoryStoreMaxBytes } from './memory/create-memory-store.js';
import { createRedisStore } from './redis/create-redis-store.js';
import type { Store } from './store.js';

/** The store the configuration asks for: Redis when configured, else the embedded one. */
export async function openStore(config: Config, logger: Logger, signal?: AbortSignal): Promise<Store> {
  if (config.redis) {
    logger.info({ redis: describeRedisTarget(config.redis) }, 'using Redis storage');
    return createRedisStore({ connection: config.redis, logger, signal });
  }
  const maxBytes = config.memoryStoreMaxMB !== undefined ? config.memoryStoreMaxMB * 1048576 : defaultMemoryStoreMaxBytes();
  logger.warn(
    { maxMegabytes: Math.round(maxBytes / 1048576) },
    'Redis is not configured: using the embedded in-memory store; all sessions, grants and tokens are lost on restart',
  );
  return createMemoryStore({ maxBytes, logger });
}
