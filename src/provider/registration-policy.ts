import { errors } from 'oidc-provider';

/** Grant types a dynamically registered client may ask for (no implicit, no password: OAuth 2.1). */
export const REGISTRABLE_GRANT_TYPES = [
  'authorization_code', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code',
] as const;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * What we accept from dynamic registration and its management (RFC 7591 §2, RFC 7592 §2.2), beyond
 * oidc-provider's own schema checks: redirect URIs use https, or http on a loopback address
 * (native apps, RFC 8252 §7.3), never a fragment (RFC 6749 §3.1.2) nor credentials, nor in the
 * back-channel logout URI; only our grant types.
 * Token endpoint auth methods are limited for every client by `clientAuthMethods`.
 */
export function checkRegistrationPolicy(metadata: Record<string, unknown>): void {
  for (const property of ['redirect_uris', 'post_logout_redirect_uris']) {
    const uris = metadata[property];
    if (uris === undefined) continue;
    if (!Array.isArray(uris)) throw new errors.InvalidClientMetadata(`${property} must be an array of URLs`);
    for (const uri of uris) {
      const problem = redirectUriProblem(uri);
      // oidc-provider answers invalid_redirect_uri (RFC 7591 §3.2.2) for descriptions starting with redirect_uris.
      if (problem) throw new errors.InvalidClientMetadata(`${property} ${problem}`);
    }
  }
  const backchannelLogoutUri = metadata['backchannel_logout_uri'];
  if (typeof backchannelLogoutUri === 'string') {
    // OpenID Connect Back-Channel Logout §2.2: the logout URI MUST NOT include a fragment.
    if (backchannelLogoutUri.includes('#')) throw new errors.InvalidClientMetadata('backchannel_logout_uri must not contain a fragment');
    // fetch refuses a URL with credentials, so no logout could ever be delivered; and the
    // password would be stored and shown with the client's metadata.
    const url = URL.parse(backchannelLogoutUri);
    if (url && hasCredentials(url)) throw new errors.InvalidClientMetadata('backchannel_logout_uri must not contain credentials');
  }
  const grantTypes = metadata['grant_types'];
  if (grantTypes !== undefined) {
    if (!Array.isArray(grantTypes)) throw new errors.InvalidClientMetadata('grant_types must be an array');
    const refused = grantTypes.filter((grant) => !(REGISTRABLE_GRANT_TYPES as readonly unknown[]).includes(grant));
    if (refused.length > 0) {
      throw new errors.InvalidClientMetadata(`grant_types may only contain ${REGISTRABLE_GRANT_TYPES.join(', ')} (refused: ${refused.map(String).join(', ')})`);
    }
  }
}

/** Why a redirect URI is refused, or undefined when it is acceptable. */
export function redirectUriProblem(uri: unknown): string | undefined {
  if (typeof uri !== 'string' || !URL.canParse(uri)) return 'must contain absolute URLs';
  const url = new URL(uri);
  if (uri.includes('#')) return 'must not contain fragments';
  if (hasCredentials(url)) return 'must not contain credentials';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return undefined;
  return 'must use https, or http on a loopback address (127.0.0.1, [::1], localhost)';
}

/** Whether the URL names a user or password (`https://user:pass@host/`). */
function hasCredentials(url: URL): boolean {
  return url.username !== '' || url.password !== '';
}
