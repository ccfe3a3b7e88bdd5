import Koa from 'koa';
import { createHealthRouter, HEALTH_PATHS } from '../observability/health.js';
import type { Logger } from '../observability/logger.js';
import { createMemoryReplayCache } from '../store/memory/memory-replay-cache.js';
import type { ReplayCache } from '../store/replay-cache.js';
import { createAssetsMiddleware } from '../http/assets.js';
import { createErrorHandler } from '../http/error-handler.js';
import { sendJson } from '../http/json-body.js';
import { notFound } from '../http/not-found.js';
import { onlyAt } from '../http/path-scope.js';
import { readBody } from '../http/read-body.js';
import { createRouteTable } from '../http/route-table.js';
import type { Views } from '../http/views.js';
import { createSecurityHeaders } from '../security/headers.js';
import { createAuthorizationServerKeys, JWKS_REFRESH_MS, type KeySource } from './authorization-server-keys.js';
import { bearerAuth, requireScopes, type AccessTokenClaims } from './bearer-auth.js';
import { createDpopProofVerifier } from './dpop-proof.js';
import { createVerifiedTokenCache } from './verified-token-cache.js';

export interface ApiAppDeps {
  issuer: string;
  audience: string;
  /** The authorization server's JWKS URL: re-read at most every half minute (authorization-server-keys.ts). */
  jwksUri: string;
  logger: Logger;
  views: Views;
  /** For tests: a key source other than the remote JWKS. */
  keys?: KeySource;
  /** Request id, access log and latency metrics (first middleware). */
  observer?: Koa.Middleware;
  /** Remembers DPoP proof jtis; share one between instances behind a load balancer. Default: this process's memory. */
  replayCache?: ReplayCache;
  /** Behind a TLS-terminating proxy: take the scheme from X-Forwarded-Proto (DPoP proofs name https URLs). */
  trustProxy?: boolean;
  /** GET /metrics on this app (the API on its own, without METRICS_PORT). */
  metricsEndpoint?: Koa.Middleware | undefined;
  /** True once shutdown started: /readyz says so, so that a load balancer stops sending requests. */
  draining?: () => boolean;
}

/** The protected API: what every tutorial promises, verifying our JWT access tokens with jose. */
export function createApiApp(deps: ApiAppDeps): Koa {
  const keys = deps.keys ?? createAuthorizationServerKeys(deps.jwksUri, { logger: deps.logger });
  const app = new Koa();
  app.proxy = deps.trustProxy ?? false;
  const dpop = createDpopProofVerifier({ replayCache: deps.replayCache ?? createMemoryReplayCache() });
  const auth = bearerAuth({ issuer: deps.issuer, audience: deps.audience, keys: keys.getKey, dpop, cache: createVerifiedTokenCache<AccessTokenClaims>({ maxAgeMs: JWKS_REFRESH_MS }) });

  // Ready while it holds keys that tokens verify with: what the key source has, fetched at its
  // own pace (a probe never drives a fetch of its own), so a short outage of the authorization
  // server does not take the API out of a load balancer while its keys still serve.
  const health = createHealthRouter(async () => {
    if (deps.draining?.()) return { status: 503, body: { status: 'draining', jwks_uri: deps.jwksUri } };
    const count = await keys.usableKeys();
    return count > 0
      ? { status: 200, body: { status: 'ready', keys: count } }
      : { status: 503, body: { status: 'unavailable', jwks_uri: deps.jwksUri } };
  });

  const routes = createRouteTable({
    '/': {
      GET: [(ctx) => {
        sendJson(ctx, {
          name: 'Gatehouse demo API',
          resource: deps.audience,
          routes: { 'GET /protected': 'api:read', 'POST /protected/messages': 'api:write' },
        });
      }],
    },
    '/protected': {
      GET: [auth, requireScopes('api:read'), (ctx) => {
        const token = ctx.state['token'] as AccessTokenClaims;
        // Node's setter and a lower-case name, as for the security headers (security/headers.ts).
        ctx.res.setHeader('cache-control', 'no-store');
        sendJson(ctx, { message: 'Hello from the protected API', sub: token.sub, client_id: token.client_id, scope: token.scope });
      }],
    },
    '/protected/messages': {
      // The token first: a caller without one never gets a body read (or decompressed).
      POST: [auth, requireScopes('api:write'), readBody('json', '4kb'), (ctx) => {
        const token = ctx.state['token'] as AccessTokenClaims;
        const body = ctx.request.body as { text?: unknown; access_token?: unknown } | undefined;
        // RFC 6750 §2: a client sends its token one way only, and the header is the one we take.
        // A token only in the body is never looked for (the body is read after authentication):
        // that request gets the 401 of one without a token.
        if (body?.access_token !== undefined) {
          ctx.status = 400;
          ctx.body = { error: 'invalid_request', error_description: 'Send the access token in the Authorization header only, not in the body as well' };
          return;
        }
        const text = body?.text;
        if (typeof text !== 'string' || text.length === 0 || text.length > 280) {
          ctx.status = 400;
          ctx.body = { error: 'invalid_request', error_description: 'Send {"text": "..."} with 1 to 280 characters' };
          return;
        }
        ctx.status = 201;
        ctx.res.setHeader('cache-control', 'no-store');
        sendJson(ctx, { accepted: { text, from: token.sub, client_id: token.client_id } });
      }],
    },
  });

  if (deps.observer) app.use(deps.observer);
  app.use(createErrorHandler({ views: deps.views, logger: deps.logger }));
  app.use(createSecurityHeaders({ hsts: deps.audience.startsWith('https:') }));
  app.use(notFound);
  app.use(onlyAt(HEALTH_PATHS, health.routes()));
  if (deps.metricsEndpoint) app.use(deps.metricsEndpoint);
  // The stylesheet and logo its HTML error pages link, from this origin (the CSP allows no other).
  app.use(createAssetsMiddleware({ mountPath: deps.views.assetsPath }));
  app.use(routes);
  return app;
}
