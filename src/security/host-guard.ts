import type { Middleware } from 'koa';

/**
 * oidc-provider builds every URL it publishes (discovery, redirects, `iss`) from the request's
 * Host, X-Forwarded-Host and protocol. Pin them to the configured issuer so a forged header
 * cannot poison discovery or redirect users elsewhere. The protocol is pinned too: behind a
 * TLS-terminating proxy an https issuer keeps its https URLs and Secure cookies.
 */
export function createHostGuard(issuer: string): Middleware {
  const { host, protocol } = new URL(issuer);
  const scheme = protocol.slice(0, -1);
  return async function pinHost(ctx, next) {
    ctx.req.headers.host = host;
    delete ctx.req.headers['x-forwarded-host'];
    delete ctx.req.headers['x-forwarded-proto'];
    Object.defineProperty(ctx.request, 'protocol', { value: scheme, configurable: true });
    await next();
  };
}
