/**
 * The protected API holds no authorization-server keys fresh enough to verify a token with (the
 * JWKS could not be fetched). Not the token's fault: the error handler answers
 * `503 {"error":"temporarily_unavailable"}` with Retry-After, shaped as a store outage is
 * (store-errors.ts), so that a client keeps its token and tries again later.
 */
export class KeysUnavailableError extends Error {
  readonly code = 'ERR_KEYS_UNAVAILABLE';
  readonly status = 503;
  readonly expose = true;
  readonly error = 'temporarily_unavailable';
  readonly error_description = 'The access token cannot be checked now: try again shortly.';

  constructor() {
    super('temporarily_unavailable');
    this.name = 'KeysUnavailableError';
  }
}
