import type { AccessToken, ClientCredentials, KoaContextWithOIDC, RefreshToken } from 'oidc-provider';

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A refresh token chain never outlives this, however often it is rotated (RFC 9700 §4.14.2). */
export const REFRESH_TOKEN_ABSOLUTE_LIFETIME = 30 * DAY;
/** ...and dies after this long unused. */
export const REFRESH_TOKEN_IDLE_LIFETIME = 14 * DAY;

/** The longest access token lifetime a resource server may ask for. */
export const MAX_ACCESS_TOKEN_TTL = DAY;
/** Access tokens for no resource server in particular (userinfo), or one that sets no lifetime. */
export const DEFAULT_ACCESS_TOKEN_TTL = HOUR;

/** A resource server's own accessTokenTTL (RESOURCES_FILE, `gatehouse resource create --ttl`) wins. */
function accessTokenTTL(_ctx: KoaContextWithOIDC, token: AccessToken | ClientCredentials): number {
  return token.resourceServer?.accessTokenTTL ?? DEFAULT_ACCESS_TOKEN_TTL;
}

/** Lifetimes in seconds, per oidc-provider model. */
export const ttl = {
  AccessToken: accessTokenTTL,
  // Short-lived: RFC 6749 §4.1.2 recommends at most 10 minutes; one is plenty for a client.
  AuthorizationCode: MINUTE,
  ClientCredentials: accessTokenTTL,
  DeviceCode: 10 * MINUTE,
  Grant: REFRESH_TOKEN_ABSOLUTE_LIFETIME,
  IdToken: HOUR,
  Interaction: 10 * MINUTE,
  PushedAuthorizationRequest: MINUTE,
  Session: 14 * DAY,
  RefreshToken(_ctx: KoaContextWithOIDC, token: RefreshToken): number {
    const age = Math.floor(Date.now() / 1000) - (token.iiat ?? Math.floor(Date.now() / 1000));
    return Math.max(1, Math.min(REFRESH_TOKEN_IDLE_LIFETIME, REFRESH_TOKEN_ABSOLUTE_LIFETIME - age));
  },
};

/**
 * The longest any token we sign stays valid: ID tokens and JWT access tokens (per resource
 * server, at most MAX_ACCESS_TOKEN_TTL). A superseded signing key stays published this long.
 */
export const MAX_SIGNED_TOKEN_LIFETIME = Math.max(ttl.IdToken, DEFAULT_ACCESS_TOKEN_TTL, MAX_ACCESS_TOKEN_TTL);
