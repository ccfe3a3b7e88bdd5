import type { Config } from '../config/load-config.js';
import type { Logger } from '../observability/logger.js';
import { createMemoryStore } from './memory/create-memory-store.js';
import type { Store } from './store.js';

/** The store the configuration asks for: Redis when REDIS_URL is set, else the embedded one. */
export async function openStore(config: Config, logger: Logger): Promise<Store> {
  if (config.redisUrl) {
    throw new Error('REDIS_URL is not supported yet');
  }
  logger.warn('REDIS_URL is not set: using the embedded in-memory store; all sessions, grants and tokens are lost on restart');
  return createMemoryStore();
}
