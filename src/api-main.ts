import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { startUntilSignalled } from './cluster/shutdown-signals.js';
import { exitFailedStart, loadOrExit } from './config/load-or-exit.js';
import { createHttpServer, drainAll, listen } from './http/http-server.js';
import { createViews } from './http/views.js';
import { ASSETS_PATH } from './provider/routes.js';
import { logCrashes } from './observability/crash-log.js';
import { createLogger } from './observability/logger.js';
import { createMetrics } from './observability/metrics.js';
import { createMetricsEndpoint, listenMetrics, registrySource } from './observability/metrics-endpoint.js';
import { createRequestObserver } from './observability/request-observer.js';
import { createApiApp } from './resource-server/create-api-app.js';
import { loadApiConfig } from './resource-server/load-api-config.js';
import { createMemoryReplayCache } from './store/memory/memory-replay-cache.js';
import { openRedisReplayCache } from './store/redis/redis-replay-cache.js';
import type { ReplayCache } from './store/replay-cache.js';

// Entry point for the protected API on its own (docker compose's `api` service); `npm start`
// runs the same API inside the authorization server's process unless API_ENABLED=false.
const config = loadOrExit(loadApiConfig);

const logger = createLogger({ level: config.logLevel, service: 'gatehouse-api' });
logCrashes(logger);
const views = createViews({ viewsDir: fileURLToPath(new URL('../views', import.meta.url)), assetsPath: ASSETS_PATH, cache: true });
// Its own metrics (request latency by route, process metrics): at /metrics, or on METRICS_PORT.
const metrics = config.metrics.enabled ? createMetrics() : undefined;
const metricsSource = metrics && registrySource(metrics.registry);
let draining = false;
const servers: Server[] = [];
let replayCache: ReplayCache | undefined;
// In-flight requests get 5 s to finish, then their connections are cut.
await startUntilSignalled(logger, serve, async () => {
  draining = true;
  await drainAll(servers, 5000);
  await replayCache?.close();
}).catch((error: unknown) => exitFailedStart(logger, error));

async function serve(signal: AbortSignal): Promise<void> {
  // With the authorization server's Redis, DPoP proof jtis are remembered where every instance (and
  // the server's own API thread) sees them: a proof replayed at another instance is refused.
  replayCache = config.redis ? await openRedisReplayCache(config.redis, logger, signal) : createMemoryReplayCache();
  if (signal.aborted) return;
  const app = createApiApp({
    issuer: config.issuer, audience: config.audience, jwksUri: config.jwksUri, logger, views, draining: () => draining,
    replayCache,
    // Behind a TLS-terminating proxy, DPoP proofs name the https URL the client called.
    trustProxy: config.trustProxy,
    observer: createRequestObserver({ logger, metrics, server: 'api' }),
    metricsEndpoint: metricsSource && config.metrics.port === undefined ? createMetricsEndpoint(metricsSource) : undefined,
  });
  const url = await listen(createHttpServer(app.callback()), config.host, config.port, servers);
  let metricsUrl = metricsSource && url;
  if (metricsSource && config.metrics.port !== undefined) {
    metricsUrl = await listenMetrics(metricsSource, config.metrics.host, config.metrics.port, servers);
  }
  logger.info({ audience: config.audience, jwksUri: config.jwksUri, metrics: metricsUrl && `${metricsUrl}/metrics` }, `protected API is up on ${config.host}:${config.port}`);
}
