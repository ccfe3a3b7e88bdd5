/**
 * Remembers access tokens whose signature and claims were verified, so a client that calls the
 * API many times with the same token costs one ECDSA verification, not one per request (the CPU
 * profile of the API under load was mostly WebCrypto's verify).
 *
 * Safe because the key is the whole token: only the exact bytes that verified hit the cache.
 * An entry lives until the token's `exp` and never longer than `maxAgeMs`, which bounds how long
 * a token signed by a key withdrawn from the JWKS is still accepted. Bounded size, oldest out first.
 */
export interface VerifiedTokenCache<T extends { exp?: number | undefined }> {
  get(token: string): T | undefined;
  set(token: string, claims: T): void;
}

export function createVerifiedTokenCache<T extends { exp?: number | undefined }>(options: { maxEntries?: number; maxAgeMs?: number; now?: () => number } = {}): VerifiedTokenCache<T> {
  const maxEntries = options.maxEntries ?? 10_000;
  const maxAgeMs = options.maxAgeMs ?? 60_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, { claims: T; until: number }>();

  return {
    get(token) {
      const entry = entries.get(token);
      if (!entry) return undefined;
      if (now() >= entry.until) {
        entries.delete(token);
        return undefined;
      }
      return entry.claims;
    },
    set(token, claims) {
      if (typeof claims.exp !== 'number') return;
      const until = Math.min(claims.exp * 1000, now() + maxAgeMs);
      if (until <= now()) return;
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      entries.set(token, { claims, until });
    },
  };
}
