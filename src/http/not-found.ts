import type { Middleware } from 'koa';

/** Anything no route answered becomes a 404 through the error handler (page or JSON). */
export const notFound: Middleware = async (ctx, next) => {
  await next();
  if (ctx.status === 404 && ctx.body === undefined) ctx.throw(404, 'not found');
};
