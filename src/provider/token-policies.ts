import type { Client, KoaContextWithOIDC, AccessToken, ClientCredentials, RefreshToken } from 'oidc-provider';
import { isResourceServerClient } from './client-metadata.js';

type AnyToken = AccessToken | ClientCredentials | RefreshToken;

/** RFC 7662 §4: a client learns about its own tokens only, unless it is a registered resource server. */
export function introspectionAllowed(_ctx: KoaContextWithOIDC, client: Client, token: AnyToken): boolean {
  return isResourceServerClient(client) || token.clientId === client.clientId;
}

/** RFC 7009 §2.1: a client revokes only tokens issued to it. */
export function revocationAllowed(_ctx: KoaContextWithOIDC, client: Client, token: AnyToken): boolean {
  return token.clientId === client.clientId;
}

/**
 * Public clients cannot keep a refresh token secret, so theirs rotate on every use and a reused
 * one revokes the grant (RFC 9700 §4.14.2). Confidential clients rotate too: one policy is
 * simpler to reason about, and the absolute lifetime bounds every chain.
 */
export function rotateRefreshToken(): boolean {
  return true;
}

/** Refresh tokens only for clients allowed the grant, and only when `offline_access` was granted. */
export function issueRefreshToken(_ctx: KoaContextWithOIDC, client: Client, code: { scopes: Set<string> }): boolean {
  return client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access');
}
