import { createLocalJWKSet, createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import type { Logger } from '../observability/logger.js';
import { KeysUnavailableError } from './keys-unavailable-error.js';
import { createKeyOutageLog } from './key-outage-log.js';

/**
 * How often the API re-reads the authorization server's JWKS while tokens (or readiness probes)
 * arrive. With the verified-token cache's own bound (the same), it bounds how long a key withdrawn
 * from the JWKS (`gatehouse keys retire --force`) still verifies tokens here: about a minute. A new
 * key is published minutes before it signs (`keys rotate --activate-in`), so it is here in time.
 */
export const JWKS_REFRESH_MS = 30_000;
/** After a failed read, the next is tried this much later; meanwhile the keys fetched before serve. */
export const RETRY_MS = 5_000;
/** Keys not fetched again for this long are not used: tokens get 503 and /readyz says unavailable. */
export const KEYS_MAX_AGE_MS = 10 * 60_000;

/** Where the protected API gets the authorization server's keys. */
export interface KeySource {
  /** For jwtVerify. Throws KeysUnavailableError when no keys fresh enough are held. */
  getKey: JWTVerifyGetKey;
  /** How many keys tokens are verified with now (0: none). Fetches only when a fetch is due. */
  usableKeys(): Promise<number>;
}

/**
 * The authorization server's signing keys, from its JWKS, fetched at our own pace whoever asks:
 * at most every JWKS_REFRESH_MS, or RETRY_MS after a failure, so that neither tokens nor /readyz
 * probes drive requests to the authorization server one for one. While it cannot be reached, the
 * keys fetched before go on serving for up to KEYS_MAX_AGE_MS; then (or before any were fetched)
 * tokens get 503, not a 401 that would make clients throw good tokens away. A kid not in the keys
 * held is the token's problem (invalid_token).
 */
export function createAuthorizationServerKeys(jwksUri: string, deps: { logger: Logger; now?: () => number }): KeySource {
  const now = deps.now ?? Date.now;
  const outage = createKeyOutageLog(jwksUri, deps.logger);
  // Used to fetch only (timeout, no redirects, JWKS validation): which keys serve is decided here.
  const remote = createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: 2_000 });
  let local: { getKey: JWTVerifyGetKey; count: number; fetchedAt: number } | undefined;
  let nextFetch = 0;
  let pending: Promise<void> | undefined;

  const fetchKeys = () => {
    pending ??= (async () => {
      // Set first: requests arriving meanwhile go on with the keys already there.
      nextFetch = now() + RETRY_MS;
      try {
        await remote.reload();
        const jwks = remote.jwks()!;
        local = { getKey: createLocalJWKSet(jwks), count: jwks.keys.length, fetchedAt: now() };
        nextFetch = local.fetchedAt + JWKS_REFRESH_MS;
        outage.fetched();
      } catch (error) {
        outage.failed(error);
      }
    })().finally(() => {
      pending = undefined;
    });
    return pending;
  };

  const usable = () => (local && now() - local.fetchedAt < KEYS_MAX_AGE_MS ? local : undefined);

  const refreshIfDue = async () => {
    if (now() >= nextFetch) await fetchKeys();
    // Without keys to serve, wait for the fetch under way rather than refuse.
    else if (pending && !usable()) await pending;
  };

  return {
    async getKey(header, token) {
      await refreshIfDue();
      const keys = usable();
      if (!keys) throw new KeysUnavailableError();
      return keys.getKey(header, token);
    },
    async usableKeys() {
      await refreshIfDue();
      return usable()?.count ?? 0;
    },
  };
}
