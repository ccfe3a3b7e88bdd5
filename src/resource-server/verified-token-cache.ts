/**
 * Remembers access tokens whose signature and claims were verified, so a client that calls the
 * API many times with the same token costs one ECDSA verification, not one per request (the CPU
 * profile of the API under load was mostly WebCrypto's verify).
 *
 * Safe because a hit needs the whole token: only the exact bytes that verified hit the cache.
 * Entries are found by the token's last characters (of its signature) and then compared in full:
 * a Map hashes every character of its key, and a whole JWT is ~700 of them per request. A token
 * that shares those characters with a cached one is a miss, never a hit.
 * An entry lives until the token's `exp` and never longer than `maxAgeMs`, which with the JWKS's
 * re-reading (authorization-server-keys.ts) bounds how long a token signed by a key withdrawn from
 * the JWKS is still accepted. Bounded size, oldest out first.
 */
export interface VerifiedTokenCache<T extends { exp?: number | undefined }> {
  get(token: string): T | undefined;
  set(token: string, claims: T): void;
}

// 24 characters of base64url: 144 bits of an ES256 or RS256 signature.
const KEY_CHARS = 24;

export function createVerifiedTokenCache<T extends { exp?: number | undefined }>(options: { maxEntries?: number; maxAgeMs?: number; now?: () => number } = {}): VerifiedTokenCache<T> {
  const maxEntries = options.maxEntries ?? 10_000;
  const maxAgeMs = options.maxAgeMs ?? 60_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, { token: string; claims: T; until: number }>();
  const keyOf = (token: string) => (token.length > KEY_CHARS ? token.slice(-KEY_CHARS) : token);

  return {
    get(token) {
      const key = keyOf(token);
      const entry = entries.get(key);
      if (!entry || entry.token !== token) return undefined;
      if (now() >= entry.until) {
        entries.delete(key);
        return undefined;
      }
      return entry.claims;
    },
    set(token, claims) {
      if (typeof claims.exp !== 'number') return;
      const until = Math.min(claims.exp * 1000, now() + maxAgeMs);
      if (until <= now()) return;
      const key = keyOf(token);
      if (entries.size >= maxEntries && !entries.has(key)) entries.delete(entries.keys().next().value!);
      entries.set(key, { token, claims, until });
    },
  };
}
