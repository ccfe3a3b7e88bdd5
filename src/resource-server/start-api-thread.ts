import { Worker } from 'node:worker_threads';
import type { RedisConfig } from '../config/redis-config.js';
import type { Logger } from '../observability/logger.js';
import type { MetricsJson } from '../observability/metrics-endpoint.js';

/** What the API's thread is started with (plain data: it crosses to the thread by copy). */
export interface ApiThreadData {
  readonly host: string;
  readonly port: number;
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUri: string;
  readonly trustProxy: boolean;
  readonly logLevel: string;
  /** Whether the thread keeps request metrics (reported through the authorization server's /metrics). */
  readonly metrics: boolean;
  /** The store's Redis, for the DPoP replay cache every instance shares; unset: the thread's memory. */
  readonly redis: RedisConfig | undefined;
  readonly viewsDir: string;
  readonly assetsPath: string;
  readonly cacheViews: boolean;
}

/** Messages to the thread. */
export type ToApiThread = { type: 'metrics'; id: number } | { type: 'close'; graceMs: number };
/** Messages from the thread. */
export type FromApiThread = { type: 'ready'; url: string } | { type: 'metrics'; id: number; metrics: MetricsJson };

export interface ApiThread {
  readonly url: string;
  /** The thread's metrics, to be summed with this thread's registry. */
  metrics(): Promise<MetricsJson>;
  /** Drains the API's connections (up to `graceMs`) and ends the thread. */
  close(graceMs: number): Promise<void>;
}

const METRICS_TIMEOUT_MS = 5000;

/**
 * Runs the protected API in a worker thread of its own: its own event loop, so the
 * authorization server's work (token signing, page rendering) does not hold up API requests,
 * and a core of its own when there is one. Measured with npm run bench:api-under-load: while
 * tokens were issued, the API answered about three times the requests it did on the shared
 * event loop, at a p99 of 1 ms instead of 9 to 11.
 *
 * The thread runs with this process's Node options (run from the TypeScript sources, it loads
 * them as this process does). `onFailure` is told when the thread ends on its own.
 */
export async function startApiThread(data: ApiThreadData, deps: { logger: Logger; onFailure: (error: Error) => void }): Promise<ApiThread> {
  const entry = new URL(`./api-thread${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
  const worker = new Worker(entry, { workerData: data });
  const ended = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let closing = false;
  let nextId = 0;
  const pending = new Map<number, (metrics: MetricsJson) => void>();

  const url = await new Promise<string>((resolve, reject) => {
    const onMessage = (message: FromApiThread) => {
      if (message.type !== 'ready') return;
      worker.off('error', reject);
      worker.off('exit', onEarlyExit);
      resolve(message.url);
    };
    const onEarlyExit = (code: number) => reject(new Error(`the protected API's thread ended while starting (exit code ${code})`));
    worker.on('message', onMessage);
    worker.once('error', reject);
    worker.once('exit', onEarlyExit);
  });

  worker.on('message', (message: FromApiThread) => {
    if (message.type !== 'metrics') return;
    pending.get(message.id)?.(message.metrics);
    pending.delete(message.id);
  });
  worker.on('error', (error) => deps.logger.error({ err: error }, "the protected API's thread failed"));
  worker.once('exit', (code) => {
    if (!closing) deps.onFailure(new Error(`the protected API's thread ended (exit code ${code})`));
  });

  return {
    url,
    metrics() {
      return new Promise((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error("the protected API's thread did not answer for metrics"));
        }, METRICS_TIMEOUT_MS);
        pending.set(id, (metrics) => {
          clearTimeout(timer);
          resolve(metrics);
        });
        worker.postMessage({ type: 'metrics', id } satisfies ToApiThread);
      });
    },
    async close(graceMs) {
      closing = true;
      worker.postMessage({ type: 'close', graceMs } satisfies ToApiThread);
      // The thread cuts connections at graceMs; a thread stuck past that is stopped.
      const timer = setTimeout(() => void worker.terminate(), graceMs + 5000);
      await ended;
      clearTimeout(timer);
    },
  };
}
