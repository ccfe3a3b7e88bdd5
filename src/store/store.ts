import type { Cluster, Redis } from 'ioredis';
import type { AdapterFactory } from 'oidc-provider';
import type { AccountRepository } from '../accounts/account-repository.js';
import type { ClientRepository } from '../clients/client-repository.js';
import type { KeySetRepository } from '../keys/key-set.js';
import type { ResourceServerRepository } from '../provider/resource-server-repository.js';
import type { ReplayCache } from './replay-cache.js';

/** The embedded store's records against its bound, in the bytes it counts (key + JSON + overhead). */
export interface StoreUsage {
  readonly bytes: number;
  readonly maxBytes: number;
  readonly records: number;
}

/**
 * The storage port. oidc-provider's models go through `adapterFactory`; our own records
 * through their repositories. Implementations: memory/ (embedded default, one process) and
 * redis/ (shared by any number of instances, and by the admin CLI).
 */
export interface Store {
  readonly kind: 'memory' | 'redis';
  readonly adapterFactory: AdapterFactory;
  readonly accounts: AccountRepository;
  /** Registered clients: the adapter's `Client` records, listable. */
  readonly clients: ClientRepository;
  /** Resource servers registered at run time. */
  readonly resourceServers: ResourceServerRepository;
  /** The signing keys every instance publishes and signs with. */
  readonly keySet: KeySetRepository;
  /** Shared like everything else in the store (Redis: every instance sees every claim); closed by close(). */
  readonly replayCache: ReplayCache;
  /**
   * The shared Redis client when the store is Redis, for other shared state (rate-limit
   * counters). Its commands fail fast (no offline queue) and time out: treat a rejection as
   * "storage unavailable". Never close it; the store owns it.
   */
  readonly redis?: Redis | Cluster;
  /**
   * How full the embedded store is (MEMORY_STORE_MAX_MB), read when /metrics is scraped. Only
   * the embedded store has it: Redis reports its own memory (INFO memory, maxmemory).
   */
  readonly usage?: () => StoreUsage;
  /** Resolves when the backing storage answers; rejects with StoreUnavailableError otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
