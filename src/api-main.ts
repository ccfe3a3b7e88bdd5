import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { loadOrExit } from './config/load-or-exit.js';
import { createHttpServer } from './http/http-server.js';
import { createViews } from './http/views.js';
import { createLogger } from './observability/logger.js';
import { createRequestObserver } from './observability/request-observer.js';
import { createApiApp } from './resource-server/create-api-app.js';
import { loadApiConfig } from './resource-server/load-api-config.js';

// Entry point for the protected API on its own (docker compose's `api` service); `npm start`
// runs the same API inside the authorization server's process unless API_ENABLED=false.
const config = loadOrExit(loadApiConfig);

const logger = createLogger({ level: config.logLevel }).child({ service: 'gatehouse-api' });
const views = createViews({ viewsDir: fileURLToPath(new URL('../views', import.meta.url)), assetsPath: '', cache: true });
const app = createApiApp({
  issuer: config.issuer, audience: config.audience, jwksUri: config.jwksUri, logger, views,
  observer: createRequestObserver({ logger, server: 'api' }),
});
const server = createHttpServer(app.callback());
server.listen(config.port, config.host);
await once(server, 'listening');
logger.info({ audience: config.audience, jwksUri: config.jwksUri }, `protected API is up on ${config.host}:${config.port}`);

const stop = () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 5000).unref();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
