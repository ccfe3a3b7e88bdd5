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
 * The strict policy for pages we render: only our own stylesheet and images, no script at all,
 * no framing. form-action is left out on purpose: browsers apply it to the redirect that follows
 * the consent POST, which goes to the client's redirect_uri on another origin.
 */
export const PAGE_CSP = pageCsp();

/** PAGE_CSP, with images also allowed from these origins (a client's registered logo). */
export function pageCsp(imageOrigins: readonly string[] = []): string {
  const images = ["'self'", 'data:', ...imageOrigins.filter((origin) => /^https?:\/\/[a-z0-9.\-[\]:]+$/i.test(origin))];
  return `default-src 'none'; style-src 'self'; img-src ${images.join(' ')}; base-uri 'none'; frame-ancestors 'none'`;
}

export function setPageHeaders(ctx: Context, options: { imageOrigins?: readonly string[] } = {}): void {
  ctx.set('Content-Security-Policy', options.imageOrigins?.length ? pageCsp(options.imageOrigins) : PAGE_CSP);
  ctx.set('Cache-Control', 'no-store');
}
