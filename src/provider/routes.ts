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

/**
 * A test for request paths that reach oidc-provider's `route` (relative to the issuer), with
 * `below` also (`also`) or only (`only`) the routes under it (`/oauth/register/:clientId`). Its
 * router ignores letter case and one trailing slash, and koa-mount takes the issuer's path as
 * given: middleware in front of an endpoint must match the same way, or the endpoint spelt
 * otherwise (`/oauth/REGISTER`, `/oauth/logout/confirm/`) gets past it.
 */
export function providerRouteTest(route: string, options: { basePath?: string; below?: 'also' | 'only' } = {}): (path: string) => boolean {
  const basePath = options.basePath ?? '';
  const exact = route.toLowerCase();
  const under = `${exact}/`;
  const shortest = basePath.length + exact.length;
  return (path) => {
    // Most requests (token, authorize...) are told apart by length or prefix without a copy.
    if (path.length < shortest || !path.startsWith(basePath)) return false;
    const rest = path.slice(basePath.length).toLowerCase();
    const itself = rest === exact || rest === under;
    if (!options.below) return itself;
    const below = !itself && rest.startsWith(under);
    return options.below === 'only' ? below : itself || below;
  };
}
