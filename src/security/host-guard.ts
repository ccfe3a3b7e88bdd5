import type Koa from 'koa';

/**
 * oidc-provider builds every URL it publishes (discovery, redirects, `iss`) from the request's
 * Host, X-Forwarded-Host and protocol. Pin them to the configured issuer so a forged header
 * cannot poison discovery or redirect users elsewhere. The protocol is pinned too: behind a
 * TLS-terminating proxy an https issuer keeps its https URLs and Secure cookies.
 *
 * The protocol is pinned once, on the app's request prototype (every request of this app
 * inherits it); redefining it on each request changed the shape of every request object.
 */
export function createHostGuard(app: Koa, issuer: string): Koa.Middleware {
  const { host, protocol } = new URL(issuer);
  const scheme = protocol.slice(0, -1);
  Object.defineProperty(app.request, 'protocol', { get: () => scheme, configurable: true });
  return function pinHost(ctx, next) {
    ctx.req.headers.host = host;
    delete ctx.req.headers['x-forwarded-host'];
    delete ctx.req.headers['x-forwarded-proto'];
    return next();
  };
}
