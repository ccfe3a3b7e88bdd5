import Router from '@koa/router';
import type { Store } from '../store/store.js';

export interface HealthDeps {
  store: Store;
  timeoutMs: number;
  /**
   * What the server signs with and publishes now (they change with `gatehouse keys rotate`),
   * reported by /readyz: algorithms only, never key material.
   */
  signingKeys: () => readonly { alg?: string | undefined; kid?: string | undefined }[];
  /** True once shutdown started: a load balancer should stop sending us requests. */
  draining?: () => boolean;
}

/** Every path the health router answers. */
export const HEALTH_PATHS = ['/healthz', '/readyz'] as const;

/** Liveness (the process answers) and readiness (keys loaded, storage answers within a bound, not draining). */
export function createHealthRouter(deps: HealthDeps): Router {
  const router = new Router();
  const currentKeys = () => {
    const keys = deps.signingKeys();
    return { signing: keys.length, algorithms: [...new Set(keys.map((key) => key.alg ?? 'unknown'))].sort() };
  };
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const keys = currentKeys();
    const keysLoaded = keys.signing > 0;
    if (deps.draining?.()) {
      ctx.status = 503;
      ctx.body = { status: 'draining', store: deps.store.kind, keys };
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), deps.timeoutMs);
    });
    let storeReady = true;
    try {
      await Promise.race([deps.store.ping(), timeout]);
    } catch {
      storeReady = false;
    } finally {
      clearTimeout(timer);
    }
    const ready = storeReady && keysLoaded;
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'unavailable', store: deps.store.kind, storeReady, keys };
  });
  return router;
}
