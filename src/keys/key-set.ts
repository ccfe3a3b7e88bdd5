import type { JWK } from 'jose';

/**
 * One signing key as the store keeps it. Times are epoch seconds.
 * A key is published in the JWKS from its creation, signs from `activatesAt` until a newer key of
 * its algorithm activates, and stays published until `retireAfter` (set when it is superseded),
 * by which time every token it signed has expired.
 */
export interface StoredSigningKey {
  readonly kid: string;
  /** The JWS algorithm it signs (RS256 and ES256 for the keys we generate). */
  readonly alg: string;
  /** Public members only. */
  readonly publicJwk: JWK;
  /** The private JWK, sealed with KEYS_ENCRYPTION_KEY (see key-encryption.ts); the kid is the additional data. */
  readonly sealedPrivateJwk: string;
  /** Rotation number: among activated keys of an algorithm, the highest generation signs. */
  readonly generation: number;
  readonly createdAt: number;
  readonly activatesAt: number;
  readonly retireAfter?: number | undefined;
}

/** Every signing key, and a version that changes with every write (compare-and-set, polling). */
export interface KeySetRecord {
  readonly version: number;
  readonly keys: readonly StoredSigningKey[];
}

export interface KeySetRepository {
  read(): Promise<KeySetRecord | undefined>;
  /**
   * Stores `next` only if the stored version is still `expectedVersion` (0: nothing stored yet).
   * False when another writer got there first; the caller re-reads and retries.
   */
  write(next: KeySetRecord, expectedVersion: number): Promise<boolean>;
}

/**
 * - active: signs new tokens of its algorithm.
 * - next: published ahead of its activation, so verifiers have it before it signs.
 * - retiring: superseded; published until every token it signed has expired.
 * - expired: past retireAfter; no longer published, removed at the next write.
 */
export type KeyStatus = 'active' | 'next' | 'retiring' | 'expired';

export function keyStatus(record: KeySetRecord, key: StoredSigningKey, now: number): KeyStatus {
  if (key.activatesAt > now) return 'next';
  if (activeKeyFor(record, key.alg, now)?.kid === key.kid) return 'active';
  return key.retireAfter !== undefined && key.retireAfter <= now ? 'expired' : 'retiring';
}

/** The key that signs for `alg` at `now`: the newest generation that has activated. */
export function activeKeyFor(record: KeySetRecord, alg: string, now: number): StoredSigningKey | undefined {
  let active: StoredSigningKey | undefined;
  for (const key of record.keys) {
    if (key.alg !== alg || key.activatesAt > now) continue;
    if (!active || key.generation > active.generation) active = key;
  }
  return active;
}

/**
 * What the JWKS holds at `now`, in signing order: oidc-provider signs with the first key that
 * fits an algorithm, so the active keys come first; next and retiring keys follow, verify-only.
 */
export function publishedKeys(record: KeySetRecord, now: number): StoredSigningKey[] {
  const rank: Record<KeyStatus, number> = { active: 0, next: 1, retiring: 2, expired: 3 };
  return record.keys
    .map((key) => ({ key, status: keyStatus(record, key, now) }))
    .filter(({ status }) => status !== 'expired')
    .sort((a, b) => rank[a.status] - rank[b.status] || b.key.generation - a.key.generation || a.key.alg.localeCompare(b.key.alg))
    .map(({ key }) => key);
}

