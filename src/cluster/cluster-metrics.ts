import cluster, { type Worker } from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { MetricsJson, MetricsSource } from '../observability/metrics-endpoint.js';

const REQUEST = 'gatehouse:metrics-request';
const RESPONSE = 'gatehouse:metrics-response';
const COLLECT = 'gatehouse:metrics-collect';
const COLLECTED = 'gatehouse:metrics-collected';
const TIMEOUT_MS = 6000;

interface MetricsMessage {
  type: typeof REQUEST | typeof RESPONSE | typeof COLLECT | typeof COLLECTED;
  id: string;
  text?: string;
  metrics?: MetricsJson;
  error?: string;
}

// What keeps counting after the process that counted it is gone: a counter, a histogram's buckets.
const CUMULATIVE = new Set(['counter', 'histogram']);
const cumulativeOf = (metrics: MetricsJson): MetricsJson => metrics.filter((metric) => CUMULATIVE.has(String(metric.type)));

/**
 * prom-client's hints sum the processes' gauges, and drop the start time. For the cluster: the
 * newest serving process's start (a replaced worker reads as a restart), and the lowest
 * open-files limit (the limits are per process).
 */
const CLUSTER_AGGREGATORS: Readonly<Record<string, 'max' | 'min'>> = { process_start_time_seconds: 'max', process_max_fds: 'min' };
const forCluster = (metrics: MetricsJson): MetricsJson => metrics.map((metric) => {
  const aggregator = CLUSTER_AGGREGATORS[metric.name];
  return aggregator ? { ...metric, aggregator } : metric;
});

/** Questions sent over the cluster's IPC channel, each settled by the answer with its id or failed after TIMEOUT_MS. */
function createPendingAnswers<T>() {
  const pending = new Map<string, { resolve: (value: T) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  return {
    ask(send: (id: string) => void, unanswered: string): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const id = randomUUID();
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(unanswered));
        }, TIMEOUT_MS);
        pending.set(id, { resolve, reject, timer });
        send(id);
      });
    },
    settle(message: MetricsMessage, value: T): void {
      const question = pending.get(message.id);
      if (!question) return;
      pending.delete(message.id);
      clearTimeout(question.timer);
      if (message.error !== undefined) question.reject(new Error(message.error));
      else question.resolve(value);
    },
  };
}

/**
 * Primary side. Every serving worker's registry is collected over the cluster IPC channel and
 * summed (gauges as prom-client's hints say); the primary's own registry (the process count) is
 * appended. Workers that serve /metrics on the shared port forward the request here, so any
 * worker answers for the whole cluster.
 *
 * A worker that dies takes its counts with it, and the sum would go down: Prometheus reads that
 * as a reset and counts the survivors' totals again (rate() and increase() jump). So what each
 * worker last reported of its counters and histograms is kept when it exits, and added to every
 * later sum: a total never falls below what a scrape has seen. A worker that exits during a
 * scrape is counted once in it, and the scrape does not wait for it (collect).
 */
export function createPrimaryMetricsSource(primaryRegistry: Registry): MetricsSource {
  const serving = new Set<Worker>();
  const lastReported = new Map<Worker, MetricsJson>();
  // A chain: a scrape right after an exit waits for that worker's counts to be added.
  let retired: Promise<MetricsJson> = Promise.resolve([]);
  const reports = createPendingAnswers<MetricsJson>();

  cluster.on('listening', (worker) => serving.add(worker));
  cluster.on('exit', (worker) => {
    serving.delete(worker);
    const last = lastReported.get(worker);
    lastReported.delete(worker);
    if (!last) return;
    retired = retired.then(async (sum) => await AggregatorRegistry.aggregate([sum, cumulativeOf(last)]).getMetricsAsJSON() as MetricsJson);
  });

  /**
   * A worker's report for one scrape. One that exits before it answers (or is already going away)
   * is counted by its last report instead, as later scrapes count it from `retired`; the scrape
   * need not wait for an answer that cannot come.
   */
  const collect = async (worker: Worker): Promise<MetricsJson> => {
    const previous = lastReported.get(worker);
    const standIn = () => (previous ? cumulativeOf(previous) : []);
    // A send to a worker that is going away would be an unhandled 'error'.
    if (!worker.isConnected()) return standIn();
    let onExit!: () => void;
    const exited = new Promise<undefined>((resolve) => {
      onExit = () => resolve(undefined);
      worker.once('exit', onExit);
    });
    try {
      const metrics = await Promise.race([
        reports.ask((id) => worker.send({ type: COLLECT, id } satisfies MetricsMessage), `worker ${worker.id} did not report its metrics`),
        exited,
      ]);
      if (!metrics) return standIn();
      const report = forCluster(metrics);
      lastReported.set(worker, report);
      return report;
    } finally {
      worker.off('exit', onExit);
    }
  };

  const source: MetricsSource = {
    contentType: primaryRegistry.contentType,
    async text() {
      // The workers retired before this scrape. One that exits during it is counted once: by its
      // answer, or by its last report in its place; `retired` has it only from the next scrape on.
      const retiredBefore = retired;
      const [workers, own] = await Promise.all([Promise.all([...serving].map(collect)), primaryRegistry.metrics()]);
      return `${await AggregatorRegistry.aggregate([...workers, await retiredBefore]).metrics()}\n${own}`;
    },
  };
  cluster.on('message', (worker, message: MetricsMessage) => {
    if (message?.type === COLLECTED) {
      reports.settle(message, message.metrics ?? []);
    } else if (message?.type === REQUEST) {
      source.text().then(
        (text) => worker.isConnected() && worker.send({ type: RESPONSE, id: message.id, text } satisfies MetricsMessage),
        (error: Error) => worker.isConnected() && worker.send({ type: RESPONSE, id: message.id, error: error.message } satisfies MetricsMessage),
      );
    }
  });
  return source;
}

/** Worker side: report this worker's registry to the primary, and ask the primary for the sum. */
export function createWorkerMetricsSource(workerRegistry: Registry): MetricsSource {
  const sums = createPendingAnswers<string>();
  process.on('message', (message: MetricsMessage) => {
    if (message?.type === COLLECT) {
      const reply = (answer: MetricsMessage) => process.connected && process.send!(answer);
      workerRegistry.getMetricsAsJSON().then(
        (metrics) => reply({ type: COLLECTED, id: message.id, metrics: metrics as MetricsJson }),
        (error: Error) => reply({ type: COLLECTED, id: message.id, error: error.message }),
      );
      return;
    }
    if (message?.type === RESPONSE) sums.settle(message, message.text ?? '');
  });
  return {
    contentType: workerRegistry.contentType,
    text: () => sums.ask((id) => process.send!({ type: REQUEST, id } satisfies MetricsMessage), 'the cluster primary did not answer for metrics'),
  };
}
