import type { Context } from 'koa';

const STATIC_ROUTES: Readonly<Record<string, string>> = {
  '/healthz': 'healthz',
  '/readyz': 'readyz',
  '/metrics': 'metrics',
  '/favicon.ico': 'favicon',
};

/**
 * A bounded name for the route a request hit, for metrics and logs: oidc-provider's route name
 * (token, authorization, ...), else our router's path template (/interaction/:uid/login), else
 * a fixed name. Never the raw path: it carries interaction uids and other per-request values.
 */
export function routeName(ctx: Context): string {
  const oidcRoute = (ctx as { oidc?: { route?: unknown } }).oidc?.route;
  if (typeof oidcRoute === 'string') return oidcRoute;
  const template = (ctx as { _matchedRoute?: unknown })._matchedRoute;
  if (typeof template === 'string') return template;
  const fixed = STATIC_ROUTES[ctx.path];
  if (fixed) return fixed;
  // Only known files are served from the assets path; anything else there is a 404.
  if (ctx.status < 400 && /\/assets\/[\w.-]+$/.test(ctx.path)) return 'assets';
  return ctx.status === 404 ? 'not_found' : 'other';
}
