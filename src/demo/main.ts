import type { Server } from 'node:http';
import { onShutdownSignal } from '../cluster/shutdown-signals.js';
import { exitFailedStart, loadOrExit } from '../config/load-or-exit.js';
import { createHttpServer, drainAll, listen } from '../http/http-server.js';
import { logCrashes } from '../observability/crash-log.js';
import { createLogger } from '../observability/logger.js';
import { createDemoApp } from './create-demo-app.js';
import { loadDemoConfig } from './demo-config.js';
import { createRelyingParty } from './relying-party.js';

// Entry point of `npm run demo`: the demo relying party on DEMO_PORT (3002 by default).
const config = loadOrExit(loadDemoConfig);

const logger = createLogger({ level: config.logLevel, service: 'gatehouse-demo' });
logCrashes(logger);
const relyingParty = createRelyingParty(config, logger);
const servers: Server[] = [];
let url: string;
try {
  url = await listen(createHttpServer(createDemoApp({ config, relyingParty, logger }).callback()), config.host, config.port, servers);
} catch (error) {
  exitFailedStart(logger, error);
}
const { port } = new URL(url);
// Named as localhost whatever it binds: the redirect URI (and the demo's cookie) are on localhost.
logger.info({ issuer: config.issuer, api: config.apiUrl }, `Gatehouse demo is up: http://localhost:${port}/`);

// Discover (and register) now, so a misconfiguration shows in the log at once; requests retry anyway.
relyingParty.configuration().catch((error: unknown) => {
  logger.warn({ err: error, issuer: config.issuer }, 'Gatehouse is not reachable yet; the demo retries on the next sign-in');
});

// In-flight requests get 5 s to finish, then their connections are cut.
onShutdownSignal(logger, async () => {
  await drainAll(servers, 5000);
});
