import { errors as joseErrors, type JWTVerifyGetKey } from 'jose';
import type { Logger } from '../observability/logger.js';

/**
 * While the authorization server's JWKS cannot be fetched (wrong API_JWKS_URI or ISSUER, the
 * server down), every token is refused with a 401 that only says it is invalid: the operator
 * reads why in the log, once per outage (again only after the keys were fetched in between).
 * A token whose key is not in the JWKS is the token's problem, not an outage: not logged.
 */
export function warnWhenKeysUnreachable(keys: JWTVerifyGetKey, jwksUri: string, logger: Logger): JWTVerifyGetKey {
  let warned = false;
  return async (header, token) => {
    try {
      const key = await keys(header, token);
      warned = false;
      return key;
    } catch (error) {
      const tokenProblem = error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWKSMultipleMatchingKeys;
      if (!tokenProblem && !warned) {
        warned = true;
        logger.warn({ err: error, jwksUri }, 'cannot fetch the authorization server\'s signing keys (JWKS): every access token is refused until they can be fetched');
      }
      throw error;
    }
  };
}
