import cluster from 'node:cluster';
import { createWorkerMetricsSource } from './cluster/cluster-metrics.js';
import { READY_MESSAGE, runPrimary } from './cluster/run-primary.js';
import { startUntilSignalled } from './cluster/shutdown-signals.js';
import { exitFailedStart, loadOrExit } from './config/load-or-exit.js';
import { loadConfig, type Config } from './config/load-config.js';
import { logCrashes } from './observability/crash-log.js';
import { createLogger, type Logger } from './observability/logger.js';
import { createMetrics } from './observability/metrics.js';
import { startGatehouse, type StartOptions } from './server.js';

// Entry point of `npm start`: configuration, then one server in this process (WORKERS=1), or a
// cluster primary that forks WORKERS workers, each running the same server.
const config = loadOrExit(loadConfig);

const logger = createLogger({ level: config.logLevel });
logCrashes(logger);
if (config.workers > 1 && cluster.isPrimary) {
  await runPrimary(config, logger).catch((error: unknown) => exitFailedStart(logger, error));
} else {
  await serve(config, cluster.isWorker ? logger.child({ worker: cluster.worker!.id }) : logger);
}

async function serve(config: Config, logger: Logger): Promise<void> {
  const options: StartOptions = {};
  if (cluster.isWorker) {
    const metrics = createMetrics();
    Object.assign(options, { metrics, metricsSource: createWorkerMetricsSource(metrics.registry), metricsServer: false });
  } else {
    // One process: the protected API gets a thread of its own. Its end takes the process down,
    // as an uncaught error would, so that a supervisor restarts the whole server.
    options.apiThread = {
      onFailure(error) {
        logger.fatal({ err: error }, 'the protected API stopped');
        process.exit(1);
      },
    };
  }
  const running = await startUntilSignalled(
    logger,
    (signal) => startGatehouse(config, logger, { ...options, signal }),
    async (started) => started?.close(config.shutdownGraceMs),
  ).catch((error: unknown) => exitFailedStart(logger, error, { problemsAsLogLine: cluster.isWorker }));
  if (!running) return;
  if (cluster.isWorker) process.send!(READY_MESSAGE);
  else logger.info({ issuer: config.issuer, listening: running.url, api: running.apiUrl, metrics: running.metricsUrl }, `Gatehouse is up: ${config.issuer}/.well-known/openid-configuration`);
}
