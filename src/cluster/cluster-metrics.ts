import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { MetricsSource } from '../observability/metrics-endpoint.js';

const REQUEST = 'gatehouse:metrics-request';
const RESPONSE = 'gatehouse:metrics-response';
const TIMEOUT_MS = 6000;

interface MetricsMessage {
  type: typeof REQUEST | typeof RESPONSE;
  id: string;
  text?: string;
  error?: string;
}

/**
 * Primary side. prom-client's AggregatorRegistry asks every worker for its registry over the
 * cluster IPC channel and sums them (gauges as its hints say); the primary's own registry
 * (the process count) is appended. Workers that serve /metrics on the shared port forward the
 * request here, so any worker answers for the whole cluster.
 */
export function createPrimaryMetricsSource(primaryRegistry: Registry): MetricsSource {
  const aggregator = new AggregatorRegistry();
  const source: MetricsSource = {
    contentType: aggregator.contentType,
    async text() {
      const [workers, own] = await Promise.all([aggregator.clusterMetrics(), primaryRegistry.metrics()]);
      return `${workers}\n${own}`;
    },
  };
  cluster.on('message', (worker, message: MetricsMessage) => {
    if (message?.type !== REQUEST) return;
    source.text().then(
      (text) => worker.isConnected() && worker.send({ type: RESPONSE, id: message.id, text }),
      (error: Error) => worker.isConnected() && worker.send({ type: RESPONSE, id: message.id, error: error.message }),
    );
  });
  return source;
}

/** Worker side: report this worker's registry to the primary, and ask the primary for the aggregate. */
export function createWorkerMetricsSource(workerRegistry: Registry): MetricsSource {
  // Constructing an AggregatorRegistry in a worker installs prom-client's reply listener.
  const aggregator = new AggregatorRegistry();
  AggregatorRegistry.setRegistries([workerRegistry]);
  const pending = new Map<string, { resolve: (text: string) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  process.on('message', (message: MetricsMessage) => {
    if (message?.type !== RESPONSE) return;
    const request = pending.get(message.id);
    if (!request) return;
    pending.delete(message.id);
    clearTimeout(request.timer);
    if (message.error !== undefined) request.reject(new Error(message.error));
    else request.resolve(message.text ?? '');
  });
  return {
    contentType: aggregator.contentType,
    text: () => new Promise<string>((resolve, reject) => {
      const id = randomUUID();
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error('the cluster primary did not answer for metrics'));
      }, TIMEOUT_MS);
      pending.set(id, { resolve, reject, timer });
      process.send!({ type: REQUEST, id });
    }),
  };
}
