import Router from '@koa/router';
import type { Store } from '../store/store.js';

/** Liveness (the process answers) and readiness (storage answers within a bound). */
export function createHealthRouter(deps: { store: Store; timeoutMs: number }): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), deps.timeoutMs);
    });
    try {
      await Promise.race([deps.store.ping(), timeout]);
      ctx.body = { status: 'ready', store: deps.store.kind };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'unavailable', store: deps.store.kind };
    } finally {
      clearTimeout(timer);
    }
  });
  return router;
}
