import { randomUUID } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { createAccessLine, type PlainRequestId } from './flat-log-line.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { grantTypeLabel } from './grant-type-label.js';
import { routeName } from './route-name.js';

// An upstream id is reused only if it cannot smuggle anything into logs or headers.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The incoming X-Request-Id when it is short and plain; otherwise a fresh UUID. Either needs no escaping in JSON. */
export function acceptRequestId(incoming: string | undefined): PlainRequestId {
  return (incoming && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID()) as PlainRequestId;
}

/**
 * The request's child logger (carrying its id), made on first use: most requests log only their
 * access line, which does not need one. `logger` outside a request.
 */
export function requestLog(ctx: Context | undefined, logger: Logger): Logger {
  const state = ctx?.state as { log?: Logger; requestId?: string } | undefined;
  if (!state?.requestId) return logger;
  return (state.log ??= logger.child({ reqId: state.requestId }));
}

/** The request's id (acceptRequestId's), for a line written without its child logger. */
export function requestIdOf(ctx: Context | undefined): PlainRequestId | undefined {
  return (ctx?.state as { requestId?: PlainRequestId } | undefined)?.requestId;
}

/**
 * First middleware of each app: gives the request an id (echoed in X-Request-Id; every line
 * logged through requestLog carries it), and on the way out one access-log line and one latency observation, both
 * keyed by route name, never by raw path or query (they carry uids, state and codes).
 */
export function createRequestObserver(deps: { logger: Logger; metrics?: Metrics | undefined; server: 'as' | 'api' }): Middleware {
  const accessLine = createAccessLine(deps.logger);
  return async function observeRequest(ctx, next) {
    const started = performance.now();
    // Node's own header object and setter: Koa's get/set add a lower-casing and checks per call.
    // (The name in lower case for the reason given in security/headers.ts.)
    const requestId = acceptRequestId(ctx.req.headers['x-request-id'] as string | undefined);
    ctx.state['requestId'] = requestId;
    ctx.res.setHeader('x-request-id', requestId);
    try {
      await next();
    } finally {
      const seconds = (performance.now() - started) / 1000;
      const route = routeName(ctx);
      deps.metrics?.observeRequest(deps.server, ctx.method, route, ctx.status, seconds);
      // The client and grant type make this line the record of a token request too.
      const oidc = (ctx as { oidc?: { client?: { clientId?: string }; params?: Record<string, unknown> } }).oidc;
      const grantType = grantTypeLabel(oidc?.params?.['grant_type']);
      accessLine({
        reqId: requestId, method: ctx.method, route, status: ctx.status, ms: Math.round(seconds * 1e4) / 10,
        client: oidc?.client?.clientId || undefined,
        grantType,
      });
    }
  };
}
