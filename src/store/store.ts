import type { Cluster, Redis } from 'ioredis';
import type { AdapterFactory } from 'oidc-provider';
import type { AccountRepository } from '../accounts/account-repository.js';

/**
 * The storage port. oidc-provider's models go through `adapterFactory`; our own records
 * (accounts) through their repositories. Implementations: memory/ (embedded default, one
 * process) and redis/ (shared by any number of instances).
 */
export interface Store {
  readonly kind: 'memory' | 'redis';
  readonly adapterFactory: AdapterFactory;
  readonly accounts: AccountRepository;
  /** The Redis connection, when the store is Redis: other shared state (rate limits) lives beside it. */
  readonly redis?: Redis | Cluster;
  /** Resolves when the backing storage answers; rejects with StoreUnavailableError otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
