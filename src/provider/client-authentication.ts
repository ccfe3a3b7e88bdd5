import { errors, type ClientAuthMethod } from 'oidc-provider';

/**
 * How clients may authenticate at the token, introspection, revocation and PAR endpoints:
 * RFC 6749 §2.3.1 secrets (Basic header or form), RFC 7523 JWT assertions signed with the
 * client's secret (client_secret_jwt) or its own private key (private_key_jwt, keys registered
 * as `jwks` or `jwks_uri`), and `none` for public clients (PKCE). No mTLS unless configured here.
 * An assertion's jti is remembered until it expires (oidc-provider's ReplayDetection model), so
 * a replayed assertion gets invalid_client.
 */
export const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
  'none',
];

/**
 * The furthest ahead a client assertion may expire. Its jti is kept until then, so an assertion
 * claiming to be good for centuries was a record kept for centuries (one per request, and
 * never freed: on Redis with noeviction, and in the embedded store's bound). Libraries set a
 * minute or a few (openid-client one, MSAL ten); RFC 7523 §3 lets the server refuse a far `exp`.
 */
export const MAX_CLIENT_ASSERTION_SECONDS = 3600;

/** oidc-provider's `assertJwtClientAuthClaimsAndHeader`: runs after the assertion's signature and claims are verified. */
export async function assertClientAssertionLifetime(_ctx: unknown, claims: { exp?: number }): Promise<void> {
  const secondsLeft = (claims.exp ?? 0) - Math.floor(Date.now() / 1000);
  if (secondsLeft > MAX_CLIENT_ASSERTION_SECONDS) {
    throw new errors.InvalidClientAuth(`the client_assertion expires in ${secondsLeft} s; at most ${MAX_CLIENT_ASSERTION_SECONDS} s ahead is accepted`);
  }
}
