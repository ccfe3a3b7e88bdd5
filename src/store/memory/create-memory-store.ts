import { createAdapterClientRepository } from '../../clients/client-repository.js';
import type { Store } from '../store.js';
import { createMemoryAdapterFactory, MemoryModelTable } from './memory-adapter.js';
import { createMemoryAccountRepository } from './memory-account-repository.js';
import { createMemoryKeySetRepository } from './memory-key-set-repository.js';
import { createMemoryResourceServerRepository } from './memory-resource-server-repository.js';
import { createMemoryReplayCache } from './memory-replay-cache.js';

/** The embedded default: one process, nothing survives a restart. */
export function createMemoryStore(options: { sweepIntervalMs?: number } = {}): Store {
  const table = new MemoryModelTable();
  const sweeper = setInterval(() => table.sweep(), options.sweepIntervalMs ?? 60_000);
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
    async ping() {},
    async close() {
      clearInterval(sweeper);
      await replayCache.close();
    },
  };
}
