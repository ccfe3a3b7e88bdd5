/**
 * RFC 9126 pushed authorization requests at /oauth/par. A client registered with
 * `require_pushed_authorization_requests: true` (RFC 9126 §6) must use it; PAR_REQUIRED makes
 * it the rule for every client (§5), published as `require_pushed_authorization_requests` in
 * discovery. A pushed request_uri is single use and lives one minute (ttl.ts).
 */
export function pushedAuthorizationRequestsFeature(required: boolean) {
  return {
    enabled: true,
    requirePushedAuthorizationRequests: required,
    // §2.4 would let an authenticated client push a redirect_uri it never registered; we keep exact matching.
    allowUnregisteredRedirectUris: false,
  };
}
