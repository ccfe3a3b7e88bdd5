import cluster from 'node:cluster';
import { createWorkerMetricsSource } from './cluster/cluster-metrics.js';
import { READY_MESSAGE, runPrimary } from './cluster/run-primary.js';
import { onShutdownSignal } from './cluster/shutdown-signals.js';
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
  // Handled from the start: waiting for Redis may take REDIS_CONNECT_TIMEOUT_MS, and a signal
  // then stops the start (closing what it opened) rather than killing the process unlogged.
  const starting = new AbortController();
  const start = startGatehouse(config, logger, { ...options, signal: starting.signal });
  onShutdownSignal(logger, async () => {
    starting.abort(new Error('shutting down during start'));
    const started = await start.catch(() => undefined);
    await started?.close(config.shutdownGraceMs);
  });
  let running;
  try {
    running = await start;
  } catch (error) {
    // The signal's handler exits once the start has closed what it opened.
    if (starting.signal.aborted) return;
    exitFailedStart(logger, error, { problemsAsLogLine: cluster.isWorker });
  }
  if (starting.signal.aborted) return;
  if (cluster.isWorker) process.send!(READY_MESSAGE);
  else logger.info({ issuer: config.issuer, listening: running.url, api: running.apiUrl, metrics: running.metricsUrl }, `Gatehouse is up: ${config.issuer}/.well-known/openid-configuration`);
}
