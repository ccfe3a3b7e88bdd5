import type { Context } from 'koa';

// Paths of ours that no router template names for every method: named by their path, as the
// router names them (a POST to /readyz is '/readyz' as the GET is).
const FIXED_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics', '/favicon.ico']);

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
  if (FIXED_PATHS.has(ctx.path)) return ctx.path;
  // Only known files are served from the assets path; anything else there is a 404.
  if (ctx.status < 400 && /\/assets\/[\w.-]+$/.test(ctx.path)) return 'assets';
  return ctx.status === 404 ? 'not_found' : 'other';
}
