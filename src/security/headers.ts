import type { Context, Middleware } from 'koa';

/**
 * Headers every response carries: no framing (clickjacking), no sniffing, no referrer leaking
 * codes or state, and HSTS when the issuer is https.
 */
export function createSecurityHeaders(deps: { hsts: boolean }): Middleware {
  return async function securityHeaders(ctx, next) {
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    if (deps.hsts) ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    await next();
  };
}

/**
 * The strict policy for pages we render: only our own stylesheet, no script at all, no framing.
 * form-action is left out on purpose: browsers apply it to the redirect that follows the consent
 * POST, which goes to the client's redirect_uri on another origin.
 */
export const PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'";

export function setPageHeaders(ctx: Context): void {
  ctx.set('Content-Security-Policy', PAGE_CSP);
  ctx.set('Cache-Control', 'no-store');
}
