import type { Logger } from '../observability/logger.js';

/** What the key source tells the log about each JWKS fetch. */
export interface KeyOutageLog {
  fetched(): void;
  failed(error: unknown): void;
}

/**
 * While the authorization server's JWKS cannot be fetched (wrong API_JWKS_URI or ISSUER, the
 * server down), the API verifies with the keys it fetched before, then answers 503: the operator
 * reads why in the log, one warn line when fetching starts failing and one info line when it
 * works again, however many fetches fail in between.
 */
export function createKeyOutageLog(jwksUri: string, logger: Logger): KeyOutageLog {
  let failing = false;
  return {
    fetched() {
      if (!failing) return;
      failing = false;
      logger.info({ jwksUri }, 'fetched the authorization server\'s signing keys (JWKS) again');
    },
    failed(error) {
      if (failing) return;
      failing = true;
      logger.warn({ err: error, jwksUri }, 'cannot fetch the authorization server\'s signing keys (JWKS): tokens are verified with the keys fetched before while they are fresh, then answered 503 until the keys can be fetched');
    },
  };
}
