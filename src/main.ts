import { ConfigError } from './config/config-error.js';
import { loadConfig } from './config/load-config.js';
import { createLogger } from './observability/logger.js';
import { startGatehouse } from './server.js';

// Entry point of `npm start`: configuration, start, and a clean drain on SIGTERM/SIGINT.
let config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

const logger = createLogger({ level: config.logLevel });
let running;
try {
  running = await startGatehouse(config, logger);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  logger.fatal({ err: error }, 'failed to start');
  process.exit(1);
}

let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  // npm forwards the signal it received as well: the second one must not abort the drain.
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  running.close(10_000).then(
    () => process.exit(0),
    (error: unknown) => {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    },
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// Announced only once the signal handlers are in place: a supervisor may stop us the moment it reads this.
logger.info({ issuer: config.issuer, listening: running.url, api: running.apiUrl }, `Gatehouse is up: ${config.issuer}/.well-known/openid-configuration`);
