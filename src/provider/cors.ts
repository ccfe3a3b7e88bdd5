import type { Configuration } from 'oidc-provider';

/**
 * Which web origins may read the answers of the token, userinfo, introspection, revocation and
 * other back-channel endpoints from a browser (CORS). A browser app is a public client (a page
 * keeps no secret): the origin its redirect URIs name may call. Userinfo also answers the origins
 * of a confidential client's redirect URIs (its front end may hold the user's access token).
 * Any other origin, and the opaque origin "null" (sandboxed frames, file: pages), gets no CORS
 * headers, so the browser keeps the answer from it. This is oidc-provider's default rule written
 * out: its default is meant to be replaced, and says so on stdout, in the middle of our JSON logs.
 */
export const clientBasedCORS: NonNullable<Configuration['clientBasedCORS']> = (ctx, origin, client) => {
  if (origin === 'null') return false;
  if (ctx.oidc.route !== 'userinfo' && client.clientAuthMethod !== 'none') return false;
  return (client.redirectUris ?? []).some((uri) => URL.parse(uri)?.origin === origin);
};
