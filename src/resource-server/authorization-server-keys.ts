import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';

/**
 * How often the API re-reads the authorization server's JWKS while tokens arrive. With the
 * verified-token cache's own bound (the same), it bounds how long a key withdrawn from the JWKS
 * (`gatehouse keys retire --force`) still verifies tokens here: about a minute.
 */
export const JWKS_REFRESH_MS = 30_000;
/** After a failed re-read, the next is tried this much later; meanwhile the keys fetched before serve. */
const RETRY_MS = 5_000;

/**
 * The authorization server's signing keys, from its JWKS. jose's remote set fetches them on first
 * use and when a token names a kid it does not have, and would otherwise keep a key that left the
 * JWKS for as long as its cache lives (10 minutes). Here the verification that finds the keys
 * older than JWKS_REFRESH_MS re-reads them first. While the server cannot be reached, the keys
 * fetched before go on serving, until jose's 10 minutes are up: then tokens are refused.
 */
export function createAuthorizationServerKeys(jwksUri: string, options: { now?: () => number } = {}): JWTVerifyGetKey {
  const now = options.now ?? Date.now;
  const remote = createRemoteJWKSet(new URL(jwksUri), {
    cacheMaxAge: 10 * 60_000,
    // A token with an unknown kid refetches the JWKS at most every 30 s (key rotation, not a flood).
    cooldownDuration: 30_000,
    timeoutDuration: 2_000,
  });
  let refreshDue = 0;
  return async (header, token) => {
    if (now() >= refreshDue) {
      // Set first: requests arriving meanwhile go on with the keys already there.
      refreshDue = now() + JWKS_REFRESH_MS;
      try {
        await remote.reload();
      } catch {
        refreshDue = now() + RETRY_MS;
      }
    }
    return remote(header, token);
  };
}
