import type { Context, Middleware } from 'koa';
import type { Logger } from '../observability/logger.js';
import { providerContext } from '../observability/provider-events.js';
import { requestLog } from '../observability/request-observer.js';

/**
 * Store changes that must not outlive a request that fails on our side. One kind today: using
 * up a code, refresh token, device code or pushed request. A request that then answers 5xx
 * handed nothing out, and a 503 tells its client to retry (Retry-After). Left used up, the
 * retry would look like a replay and revoke the grant (RFC 9700 §4.14), signing the user out.
 *
 * Redis makes this likely: a command that times out may still run when Redis catches up, so a
 * consume answered with 503 can have marked the record anyway. The undo is sent on the same
 * connection after it, and Redis runs commands of one connection in order.
 */
const pending = new WeakMap<object, (() => Promise<unknown>)[]>();

/** Registers `undo` for the oidc-provider request being served; outside a request (the CLI), nothing. */
export function undoIfRequestFails(undo: () => Promise<unknown>): void {
  const ctx = providerContext();
  if (!ctx) return;
  const undos = pending.get(ctx);
  if (undos) undos.push(undo);
  else pending.set(ctx, [undo]);
}

/**
 * Waits before each further try of an undo. The failure that made the request fail often lasts
 * a few seconds (a Redis Cluster refuses every command while a shard fails over); the client is
 * told to come back after 5 s (Retry-After), so the tries span that.
 */
export const UNDO_RETRY_DELAYS_MS = [250, 500, 1000, 2000, 4000] as const;

/** Tries `undo`, and again after each delay while it fails; rejects with the last failure. */
export async function withRetries(undo: () => Promise<unknown>, delaysMs: readonly number[]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await undo();
      return;
    } catch (error) {
      if (attempt >= delaysMs.length) throw error;
      await new Promise((resolve) => setTimeout(resolve, delaysMs[attempt]));
    }
  }
}

/** Provider middleware: runs a failed request's undos, without holding up its answer. */
export function undoStoreChangesOfFailedRequests(deps: { logger: Logger; retryDelaysMs?: readonly number[] }): Middleware {
  const undoAll = (ctx: Context) => {
    const undos = pending.get(ctx);
    if (!undos) return;
    pending.delete(ctx);
    for (const undo of undos) {
      // Why it failed is the store's to log (store-guard.ts); its errors can carry token values.
      withRetries(undo, deps.retryDelaysMs ?? UNDO_RETRY_DELAYS_MS).catch(() => {
        requestLog(ctx, deps.logger).warn('a failed request used up a code or token, and giving it back failed or timed out: a retry may be refused');
      });
    }
  };
  // A request that succeeds leaves its undos to the WeakMap, which forgets them with the request.
  return function undoOnFailure(ctx, next) {
    return next().then(() => {
      if (ctx.status >= 500) undoAll(ctx);
    }, (error: unknown) => {
      // Thrown past oidc-provider's own error handling: our error handler answers it.
      const status = (error as { status?: unknown } | undefined)?.status;
      if (typeof status !== 'number' || status >= 500) undoAll(ctx);
      throw error;
    });
  };
}
