import { getHeapStatistics } from 'node:v8';
import { createAdapterClientRepository } from '../../clients/client-repository.js';
import { createLogThrottle } from '../../observability/log-throttle.js';
import type { Logger } from '../../observability/logger.js';
import type { Store } from '../store.js';
import { createMemoryAdapterFactory, MemoryModelTable } from './memory-adapter.js';
import { createMemoryAccountRepository } from './memory-account-repository.js';
import { createMemoryKeySetRepository } from './memory-key-set-repository.js';
import { createMemoryResourceServerRepository } from './memory-resource-server-repository.js';
import { createMemoryReplayCache } from './memory-replay-cache.js';

// A full store says so at most this often (it refuses every new record while full).
const FULL_LOG_INTERVAL_MS = 60_000;

export interface MemoryStoreOptions {
  sweepIntervalMs?: number;
  /** The most its records may take (MEMORY_STORE_MAX_MB); default a quarter of V8's heap limit. */
  maxBytes?: number;
  logger?: Logger;
}

/** The embedded default: one process, nothing survives a restart, bounded in size. */
export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  const maxBytes = options.maxBytes ?? defaultMemoryStoreMaxBytes();
  const { logger } = options;
  const throttle = createLogThrottle(FULL_LOG_INTERVAL_MS);
  const table = new MemoryModelTable({
    maxBytes,
    onFull: logger && (({ bytes, records }) => throttle((suppressed) => logger.warn(
      { store: 'memory', records, megabytes: Math.round(bytes / 1048576), maxMegabytes: Math.round(maxBytes / 1048576), suppressedSinceLast: suppressed },
      'the embedded store is full: new sign-ins, codes and tokens get 503 until records expire (raise MEMORY_STORE_MAX_MB and the heap, or use Redis)',
    ))),
  });
  const sweeper = setInterval(() => void table.sweepInSlices(), options.sweepIntervalMs ?? 60_000);
  sweeper.unref();
  const adapterFactory = createMemoryAdapterFactory(table);
  const replayCache = createMemoryReplayCache();

  return {
    kind: 'memory',
    adapterFactory,
    accounts: createMemoryAccountRepository(),
    clients: createAdapterClientRepository(adapterFactory, async () => table.ids('Client')),
    resourceServers: createMemoryResourceServerRepository(),
    keySet: createMemoryKeySetRepository(),
    replayCache,
    usage: () => table.usage(),
    async ping() {},
    async close() {
      clearInterval(sweeper);
      await replayCache.close();
    },
  };
}

/**
 * A quarter of what V8 may allocate (its heap limit follows the machine's memory, or
 * --max-old-space-size, and includes the young generation, which records never fill): the
 * rest is for the server itself and for the garbage between collections. A full store answers
 * 503; a full heap ends the process.
 */
export function defaultMemoryStoreMaxBytes(): number {
  return Math.floor(getHeapStatistics().heap_size_limit / 4);
}
