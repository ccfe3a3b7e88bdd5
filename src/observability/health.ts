import Router from '@koa/router';
import type { Store } from '../store/store.js';

/** What /readyz answers: 200 when ready, 503 when not, and a JSON body saying why. */
export interface ReadinessReport {
  status: 200 | 503;
  body: Record<string, unknown>;
}

/** Checks whatever this server cannot serve without; never throws (a failure is a 503 report). */
export type Readiness = () => Promise<ReadinessReport>;

/** Every path the health router answers. */
export const HEALTH_PATHS = ['/healthz', '/readyz'] as const;

/**
 * Liveness (/healthz: the process answers) and readiness (/readyz: what `readiness` reports),
 * for every server we run. Never cached: a probe must see the state of now.
 */
export function createHealthRouter(readiness: Readiness): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const report = await readiness();
    ctx.status = report.status;
    ctx.body = report.body;
  });
  return router;
}

export interface ServerReadinessDeps {
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

/** The authorization server is ready when its keys are loaded, storage answers within a bound and it is not draining. */
export function createServerReadiness(deps: ServerReadinessDeps): Readiness {
  const currentKeys = () => {
    const keys = deps.signingKeys();
    return { signing: keys.length, algorithms: [...new Set(keys.map((key) => key.alg ?? 'unknown'))].sort() };
  };
  return async () => {
    const keys = currentKeys();
    const keysLoaded = keys.signing > 0;
    if (deps.draining?.()) return { status: 503, body: { status: 'draining', store: deps.store.kind, keys } };
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
    return { status: ready ? 200 : 503, body: { status: ready ? 'ready' : 'unavailable', store: deps.store.kind, storeReady, keys } };
  };
}
