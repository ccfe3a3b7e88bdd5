import type { Context, Middleware } from 'koa';
import { sequence, type AnyMiddleware } from './path-scope.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Exact paths, and for each the middleware that answer each method, in order. */
export type RouteTable = Readonly<Record<string, Partial<Record<Method, readonly Middleware[]>>>>;

interface Route {
  path: string;
  handlers: ReadonlyMap<string, Middleware>;
  allow: string;
}

/**
 * Routes for a small, fixed set of exact paths (one trailing slash is tolerated), as @koa/router
 * would answer them with its allowedMethods: HEAD is answered by GET's handlers, OPTIONS lists the
 * methods in Allow, any other method is a 405 with Allow (through the error handler, so JSON or
 * a page). Paths not in the table pass to `next` (a 404 from notFound). The route's path is the
 * route name in logs and metrics (ctx._matchedRoute, as @koa/router sets it).
 *
 * Each route's chain is composed once, here. @koa/router matches every layer and composes the
 * matched chain on every request: about a tenth of a protected API request's instructions.
 */
export function createRouteTable(routes: RouteTable): Middleware {
  const table = new Map<string, Route>();
  for (const [path, methods] of Object.entries(routes)) {
    const handlers = new Map<string, Middleware>();
    for (const [method, chain] of Object.entries(methods)) handlers.set(method, sequence(chain ?? []));
    const names = [...handlers.keys()];
    table.set(path, { path, handlers, allow: (names.includes('GET') ? ['HEAD', ...names] : names).join(', ') });
  }

  const refuseMethod = (ctx: Context, route: Route) => {
    ctx.set('Allow', route.allow);
    if (ctx.method === 'OPTIONS') {
      ctx.status = 200;
      ctx.body = '';
      return;
    }
    ctx.throw(405, `Method not allowed: ${route.path} takes ${route.allow}`);
  };

  return function routeTable(ctx, next) {
    const { path } = ctx;
    const route = table.get(path) ?? (path.length > 1 && path.endsWith('/') ? table.get(path.slice(0, -1)) : undefined);
    if (!route) return next();
    (ctx as { _matchedRoute?: string })._matchedRoute = route.path;
    const handler = route.handlers.get(ctx.method === 'HEAD' ? 'GET' : ctx.method);
    if (!handler) return refuseMethod(ctx, route);
    return handler(ctx, next);
  };
}

/**
 * A @koa/router's allowedMethods, answering as the route table does: a method a known path does
 * not take is a 405 with Allow, thrown to the error handler (JSON or our page). On its own the
 * router answers 405, or 501 for a method it has never heard of, in plain text.
 */
export function allowedMethodsAsErrors(allowedMethods: AnyMiddleware): Middleware {
  return async function refuseOtherMethods(ctx, next) {
    await allowedMethods(ctx, next);
    if (ctx.status !== 405 && ctx.status !== 501) return;
    // The router has set Allow; the error handler keeps it.
    ctx.throw(405, `Method not allowed: this page takes ${ctx.response.get('Allow')}`);
  };
}
