/**
 * Remembers short-lived keys (DPoP proof jtis, device-flow polls, ended account-page sessions)
 * so that the same key is accepted once per lifetime. `claim` must be atomic: of two concurrent claims of one key,
 * exactly one gets true. Implementations: memory/ (one process) and, with a shared store,
 * one backed by it (Redis: SET key 1 NX PX ttl).
 */
export interface ReplayCache {
  /** True when the key was not held; it is then held for `ttlMs` milliseconds. */
  claim(key: string, ttlMs: number): Promise<boolean>;
  /** True while the key is held (claimed and its lifetime not over). */
  held(key: string): Promise<boolean>;
  close(): Promise<void>;
}
