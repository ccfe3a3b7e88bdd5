import type { Middleware } from 'koa';

/** Fetch Metadata values of a request that a page of ours made (or the user typed). */
const OWN = new Set(['same-origin', 'none']);

/**
 * Our forms (login, consent, abort, logout confirmation) are only ever posted from our own
 * pages. Browsers name the initiator in `Sec-Fetch-Site` (W3C Fetch Metadata), so a POST another
 * site makes is refused with a 403 page before it reaches any handler. It is the first line;
 * the per-interaction CSRF token is the second, and the only one for browsers that do not send
 * the header. (The Origin header cannot serve: with Referrer-Policy no-referrer, browsers send
 * `Origin: null` on our own form posts.)
 */
export function rejectCrossSitePosts(isForm: (path: string) => boolean): Middleware {
  return function crossSitePosts(ctx, next) {
    // Every request passes here (token requests too): the header is read only for a POST.
    if (ctx.method !== 'POST') return next();
    const site = ctx.req.headers['sec-fetch-site'];
    if (site && !OWN.has(site) && isForm(ctx.path)) {
      ctx.throw(403, 'This form was not sent from our page. Go back and try again.');
    }
    return next();
  };
}
