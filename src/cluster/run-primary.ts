import cluster, { type Worker } from 'node:cluster';
import { once } from 'node:events';
import type { Server } from 'node:http';
import { Registry } from 'prom-client';
import type { Config } from '../config/load-config.js';
import { drainAll } from '../http/http-server.js';
import { loadSecrets } from '../keys/load-secrets.js';
import type { Logger } from '../observability/logger.js';
import { listenMetrics } from '../observability/metrics-endpoint.js';
import { createProcessGauge } from '../observability/metrics.js';
import { createPrimaryMetricsSource } from './cluster-metrics.js';
import { onShutdownSignal } from './shutdown-signals.js';

export const READY_MESSAGE = 'gatehouse:ready';
const RESTART_DELAY_MS = 1000;
/** Replacements that keep failing to start (Redis down) are tried again at most this far apart. */
const MAX_RESTART_DELAY_MS = 30_000;

/**
 * The cluster primary (WORKERS>1): serves no requests itself. It prepares what workers must
 * agree on (development keys in DATA_DIR, generated once here), forks the workers (they share
 * the listening ports; node:cluster hands out connections round-robin), replaces a worker that
 * dies, aggregates metrics, and on SIGTERM/SIGINT lets every worker drain before exiting.
 * A worker that fails during the cluster's first boot stops the whole cluster: the others would
 * fail the same way. Once the cluster is up, a replacement that cannot start (Redis is down, say)
 * is tried again, less often each time, while the other workers go on answering (503 while Redis
 * is down, and normally again once it is back).
 */
export async function runPrimary(config: Config, logger: Logger): Promise<void> {
  const secrets = await loadSecrets(config);
  if (secrets.generated.length > 0) {
    logger.warn({ dataDir: config.dataDir }, `workers share development ${secrets.generated.join(' and ')} kept in ${config.dataDir}; never in production`);
  }

  const registry = new Registry();
  const processes = createProcessGauge(registry);
  const metricsSource = config.metrics.enabled ? createPrimaryMetricsSource(registry) : undefined;
  const metricsServers: Server[] = [];
  if (metricsSource && config.metrics.port !== undefined) {
    await listenMetrics(metricsSource, config.metrics.host, config.metrics.port, metricsServers);
  }

  let stopping = false;
  let announced = false;
  let failedReplacements = 0;
  const ready = new Set<Worker>();
  const countLive = () => processes.set(Object.keys(cluster.workers ?? {}).length);

  const fork = () => {
    const worker = cluster.fork();
    worker.on('message', (message: unknown) => {
      if (message === READY_MESSAGE) {
        ready.add(worker);
        failedReplacements = 0;
        countLive();
        if (ready.size === config.workers && !announced) {
          announced = true;
          logger.info({ issuer: config.issuer, workers: config.workers }, `Gatehouse is up with ${config.workers} workers: ${config.issuer}/.well-known/openid-configuration`);
        }
      }
    });
    worker.on('exit', (code, signal) => {
      const wasReady = ready.delete(worker);
      countLive();
      if (stopping) {
        // Its requests were cut: say so, as a worker that drains logs that it did.
        if (code !== 0) logger.warn({ worker: worker.id, exitCode: code, signal }, 'a worker did not stop cleanly');
        return;
      }
      if (!announced && !wasReady) {
        logger.fatal({ worker: worker.id, exitCode: code, signal }, 'a worker failed to start; stopping the cluster');
        stopAll().finally(() => process.exit(1));
        return;
      }
      if (wasReady) {
        logger.error({ worker: worker.id, exitCode: code, signal }, 'a worker died; starting a replacement');
      } else {
        failedReplacements++;
        logger.error({ worker: worker.id, exitCode: code, signal }, 'a replacement worker failed to start; trying again');
      }
      const delay = Math.min(RESTART_DELAY_MS * 2 ** failedReplacements, MAX_RESTART_DELAY_MS);
      // Not unref'd: with every worker gone, this timer is what keeps the primary alive to replace them.
      setTimeout(() => !stopping && fork(), delay);
    });
  };

  const stopAll = async () => {
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined);
    const exited = workers.map((worker) => (worker.isDead() ? Promise.resolve() : once(worker, 'exit')));
    for (const worker of workers) if (!worker.isDead()) worker.process.kill('SIGTERM');
    // Each worker drains within SHUTDOWN_GRACE_MS; past that plus a margin, stop waiting.
    const deadline = new Promise((resolve) => setTimeout(resolve, config.shutdownGraceMs + 5000).unref());
    await Promise.race([Promise.all(exited), deadline]);
    for (const worker of workers) {
      if (worker.isDead()) continue;
      logger.error({ worker: worker.id, graceMs: config.shutdownGraceMs }, 'a worker did not drain in time; killing it');
      worker.process.kill('SIGKILL');
    }
    // Their exits are logged before the primary goes (a killed process exits at once).
    await Promise.race([Promise.all(exited), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
    await drainAll(metricsServers, 1000);
  };

  onShutdownSignal(logger, stopAll);
  logger.info({ workers: config.workers }, `starting ${config.workers} workers`);
  for (let i = 0; i < config.workers; i++) fork();
}
