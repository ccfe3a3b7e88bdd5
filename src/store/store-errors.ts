/**
 * The backing storage did not answer in time or refused the connection.
 *
 * Shaped like an oidc-provider error on purpose: its error handler answers
 * `503 {"error":"temporarily_unavailable"}` (RFC 6749 §4.1.2.1 defines that code) or renders
 * our error page, and our own error handler does the same. Storage details stay in `cause`,
 * for logs only.
 */
export class StoreUnavailableError extends Error {
  readonly code = 'ERR_STORE_UNAVAILABLE';
  readonly status = 503;
  readonly statusCode = 503;
  readonly expose = true;
  readonly error = 'temporarily_unavailable';
  readonly error_description = 'The service is temporarily unavailable. Try again shortly.';

  constructor(options?: { cause?: unknown }) {
    super('temporarily_unavailable', options);
    this.name = 'StoreUnavailableError';
  }
}
