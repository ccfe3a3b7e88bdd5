/**
 * How long a store keeps a record, given the lifetime oidc-provider asks for. Some records are
 * read past their expiry (oidc-provider's `ignoreExpiration`) to give a specific answer: a device
 * code that has expired gets `expired_token` at the token endpoint (RFC 8628 §3.5), and its user
 * code "that code has expired" on the entry page, only while the record is still there. Removed
 * at its expiry, the polling device got `invalid_grant` and the person "that code is not right".
 * oidc-provider checks the expiry itself, so a record kept longer is never used as valid.
 */
const KEPT_PAST_EXPIRY_SECONDS: Readonly<Record<string, number>> = {
  // Ten more minutes: devices poll every few seconds and stop at the first expired_token.
  DeviceCode: 10 * 60,
};

/** Seconds to keep a record with lifetime `expiresIn`; 0 (never expires) stays 0. */
export function storedLifetime(model: string, expiresIn: number): number {
  return expiresIn > 0 ? expiresIn + (KEPT_PAST_EXPIRY_SECONDS[model] ?? 0) : 0;
}
