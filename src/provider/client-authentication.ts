import type { ClientAuthMethod } from 'oidc-provider';

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
