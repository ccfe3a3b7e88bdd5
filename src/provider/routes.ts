/** Where each oidc-provider endpoint lives, relative to the issuer. */
export const ROUTES = {
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  jwks: '/oauth/jwks',
  userinfo: '/oauth/userinfo',
  introspection: '/oauth/introspect',
  revocation: '/oauth/revoke',
  end_session: '/oauth/logout',
  registration: '/oauth/register',
  pushed_authorization_request: '/oauth/par',
  device_authorization: '/oauth/device/auth',
  code_verification: '/oauth/device',
} as const;

/** Our login/consent pages, relative to the issuer. */
export const INTERACTION_PATH = '/interaction';
/** Where people manage two-step verification, relative to the issuer. */
export const ACCOUNT_SECURITY_PATH = '/account/security';
/** Our stylesheet, relative to the issuer. */
export const ASSETS_PATH = '/assets';
