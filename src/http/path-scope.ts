import type { Middleware } from 'koa';

// Routers type their context with params; any middleware app.use takes is accepted here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyMiddleware = Middleware<any, any, any>;

/**
 * Runs `middleware` (in order) only for requests at `prefix` or under it; every other request
 * passes by at the cost of one string test. A router in front of the provider otherwise
 * matches every token request against each of its routes (and reads the Host header to do it).
 */
export function onlyUnder(prefix: string, ...middleware: AnyMiddleware[]): Middleware {
  const chain = sequence(middleware);
  const below = `${prefix}/`;
  return function onlyUnderPrefix(ctx, next) {
    return ctx.path === prefix || ctx.path.startsWith(below) ? chain(ctx, next) : next();
  };
}

/** Runs `middleware` (in order) only for requests to exactly one of `paths`. */
export function onlyAt(paths: readonly string[], ...middleware: AnyMiddleware[]): Middleware {
  const chain = sequence(middleware);
  const exact = new Set(paths);
  return function onlyAtPaths(ctx, next) {
    return exact.has(ctx.path) ? chain(ctx, next) : next();
  };
}

/** Middleware run one after the other, as app.use would, then whatever follows. */
export function sequence(middleware: readonly AnyMiddleware[]): AnyMiddleware {
  return middleware.reduceRight<AnyMiddleware>((rest, current) => (ctx, next) => current(ctx, () => rest(ctx, next)), (_ctx, next) => next());
}
