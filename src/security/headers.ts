import type { Context, Middleware } from 'koa';

/**
 * Headers every response carries: a strict CSP, no framing (clickjacking), no sniffing, no
 * referrer leaking codes or state, and HSTS when the issuer is https (production requires it).
 * `providerPages`: the app serves oidc-provider's pages, which add their script's hash to our
 * policy; the result is tidied on the way out. Apps without them skip that step.
 */
export function createSecurityHeaders(deps: { hsts: boolean; providerPages?: boolean }): Middleware {
  // Set on every response, so set cheaply: with Node's setHeader (nothing is sent yet; Koa's set
  // adds its own checks), and named in lower case. Names are case-insensitive (RFC 9110 §5.1;
  // HTTP/2 sends only lower case), and Node lower-cases each name to store it and again to write
  // it: a name already in lower case is neither copied nor hashed again.
  const setHeaders = ({ res }: Context) => {
    res.setHeader('content-security-policy', PAGE_CSP);
    res.setHeader('x-frame-options', 'DENY');
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    if (deps.hsts) res.setHeader('strict-transport-security', 'max-age=31536000; includeSubDomains');
  };
  if (!deps.providerPages) {
    return function securityHeaders(ctx, next) {
      setHeaders(ctx);
      return next();
    };
  }
  return async function securityHeaders(ctx, next) {
    setHeaders(ctx);
    await next();
    // Node's getter: Koa's copies every header of the response to read one, on every request.
    const csp = ctx.res.getHeader('content-security-policy');
    // 'none' next to a hash is ignored by browsers (CSP3 §2.3.1) but noisy: keep only the hash.
    if (typeof csp === 'string' && /script-src 'none' 'sha256-/.test(csp)) {
      ctx.set('Content-Security-Policy', csp.replace("script-src 'none' ", 'script-src '));
    }
  };
}

/**
 * The strict policy, for every response: only our own stylesheet and images, no script, no
 * framing, no <base> tricks. `script-src` is spelled out (not left to default-src) because
 * oidc-provider adds the hash of its one inline script (the response_mode=form_post page, the
 * auto-submitted logout) to an existing `script-src`, and to nothing else.
 * form-action is left out on purpose: browsers apply it to the redirect that follows the consent
 * POST, which goes to the client's redirect_uri on another origin.
 */
export const PAGE_CSP = pageCsp();

/** PAGE_CSP, with images also allowed from these origins (a client's registered logo). */
export function pageCsp(imageOrigins: readonly string[] = []): string {
  const images = ["'self'", 'data:', ...imageOrigins.filter((origin) => /^https?:\/\/[a-z0-9.\-[\]:]+$/i.test(origin))];
  return `default-src 'none'; script-src 'none'; style-src 'self'; img-src ${images.join(' ')}; base-uri 'none'; frame-ancestors 'none'`;
}

/** Pages we render: the same policy (restated: an error may have cleared headers) and no caching. */
export function setPageHeaders(ctx: Context, options: { imageOrigins?: readonly string[] } = {}): void {
  ctx.set('Content-Security-Policy', options.imageOrigins?.length ? pageCsp(options.imageOrigins) : PAGE_CSP);
  ctx.set('Cache-Control', 'no-store');
}
