import type { Client, KoaContextWithOIDC, AccessToken, ClientCredentials, RefreshToken } from 'oidc-provider';
import { isResourceServerClient } from './client-metadata.js';

type AnyToken = AccessToken | ClientCredentials | RefreshToken;

/** RFC 7662 §4: a client learns about its own tokens only, unless it is a registered resource server. */
export function introspectionAllowed(_ctx: KoaContextWithOIDC, client: Client, token: AnyToken): boolean {
  return isResourceServerClient(client) || token.clientId === client.clientId;
}

/**
 * RFC 7662 §2.2: a token is active only while what it stands for exists. oidc-provider does not
 * check that its client is still registered, or that its user may still sign in, when it
 * introspects (and fails on a deleted client's token): an operator deleting a client or
 * disabling a user must see its opaque tokens go inactive at once.
 */
export async function tokenStillBacked(
  ctx: KoaContextWithOIDC,
  token: AnyToken,
  findAccount: (id: string) => Promise<{ disabled?: boolean | undefined } | undefined>,
): Promise<boolean> {
  if (token.clientId && !(await ctx.oidc.provider.Client.find(token.clientId))) return false;
  const accountId = 'accountId' in token ? token.accountId : undefined;
  if (accountId) {
    const account = await findAccount(accountId);
    if (!account || account.disabled) return false;
  }
  return true;
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
