import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadOrExit } from '../config/load-or-exit.js';
import { createLogger } from '../observability/logger.js';
import { createDemoApp } from './create-demo-app.js';
import { loadDemoConfig } from './demo-config.js';
import { createRelyingParty } from './relying-party.js';

// Entry point of `npm run demo`: the demo relying party on DEMO_PORT (3002 by default).
const config = loadOrExit(loadDemoConfig);

const logger = createLogger({ level: config.logLevel, service: 'gatehouse-demo' });
const relyingParty = createRelyingParty(config, logger);
const server = createServer(createDemoApp({ config, relyingParty, logger }).callback());
server.headersTimeout = 10_000;
server.requestTimeout = 30_000;
server.listen(config.port, config.host);
await once(server, 'listening');
const { port } = server.address() as AddressInfo;
logger.info({ issuer: config.issuer, api: config.apiUrl }, `Gatehouse demo is up: http://localhost:${port}/`);

// Discover (and register) now, so a misconfiguration shows in the log at once; requests retry anyway.
relyingParty.configuration().catch((error: unknown) => {
  logger.warn({ err: error, issuer: config.issuer }, 'Gatehouse is not reachable yet; the demo retries on the next sign-in');
});

let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 5000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
