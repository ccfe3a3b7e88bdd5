import { once } from 'node:events';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import Koa from 'koa';
import { loadOrExit } from './config/load-or-exit.js';
import { createHttpServer } from './http/http-server.js';
import { createViews } from './http/views.js';
import { createLogger } from './observability/logger.js';
import { createMetrics } from './observability/metrics.js';
import { createMetricsEndpoint, registrySource } from './observability/metrics-endpoint.js';
import { createRequestObserver } from './observability/request-observer.js';
import { createApiApp } from './resource-server/create-api-app.js';
import { loadApiConfig } from './resource-server/load-api-config.js';

// Entry point for the protected API on its own (docker compose's `api` service); `npm start`
// runs the same API inside the authorization server's process unless API_ENABLED=false.
const config = loadOrExit(loadApiConfig);

const logger = createLogger({ level: config.logLevel, service: 'gatehouse-api' });
const views = createViews({ viewsDir: fileURLToPath(new URL('../views', import.meta.url)), assetsPath: '', cache: true });
// Its own metrics (request latency by route, process metrics): at /metrics, or on METRICS_PORT.
const metrics = config.metrics.enabled ? createMetrics() : undefined;
const metricsEndpoint = metrics && createMetricsEndpoint(registrySource(metrics.registry));
const app = createApiApp({
  issuer: config.issuer, audience: config.audience, jwksUri: config.jwksUri, logger, views,
  observer: createRequestObserver({ logger, metrics, server: 'api' }),
  metricsEndpoint: config.metrics.port === undefined ? metricsEndpoint : undefined,
});
const servers: Server[] = [];
const listen = async (server: Server, port: number, host: string) => {
  server.listen(port, host);
  await once(server, 'listening');
  servers.push(server);
};
await listen(createHttpServer(app.callback()), config.port, config.host);
if (metricsEndpoint && config.metrics.port !== undefined) {
  const metricsApp = new Koa();
  metricsApp.use(metricsEndpoint);
  await listen(createHttpServer(metricsApp.callback()), config.metrics.port, config.metrics.host);
}
const metricsAt = config.metrics.port === undefined ? `${config.host}:${config.port}` : `${config.metrics.host}:${config.metrics.port}`;
logger.info({ audience: config.audience, jwksUri: config.jwksUri, metrics: metricsEndpoint ? `${metricsAt}/metrics` : undefined }, `protected API is up on ${config.host}:${config.port}`);

const stop = () => {
  let open = servers.length;
  for (const server of servers) {
    server.close(() => {
      if (--open === 0) process.exit(0);
    });
    server.closeIdleConnections();
  }
  setTimeout(() => process.exit(0), 5000).unref();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
