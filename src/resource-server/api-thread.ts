// Entry point of the protected API's worker thread (started by start-api-thread.ts).
import type { Server } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { createHttpServer, drainAll, listen } from '../http/http-server.js';
import { createViews } from '../http/views.js';
import { registerEventLoopDelay } from '../observability/event-loop-delay.js';
import { createLogger } from '../observability/logger.js';
import { createMetrics } from '../observability/metrics.js';
import { createRequestObserver } from '../observability/request-observer.js';
import { createMemoryReplayCache } from '../store/memory/memory-replay-cache.js';
import { openRedisReplayCache } from '../store/redis/redis-replay-cache.js';
import { createApiApp } from './create-api-app.js';
import type { ApiThreadData, FromApiThread, ToApiThread } from './start-api-thread.js';

const data = workerData as ApiThreadData;
const port = parentPort!;
// Lines go to stdout as the authorization server's do: whole-line writes, so they never interleave.
const logger = createLogger({ level: data.logLevel });
// Request metrics and this thread's event-loop delay: the process metrics (CPU, memory) are the main thread's.
const metrics = data.metrics ? createMetrics({ defaultMetrics: false }) : undefined;
if (metrics) registerEventLoopDelay(metrics.registry, { thread: 'api' });
// Its Redis client's lines say whose it is: the authorization server logs its own connection too.
const replayCache = data.redis ? await openRedisReplayCache(data.redis, logger.child({ part: 'protected API' })) : createMemoryReplayCache();
let draining = false;
const app = createApiApp({
  issuer: data.issuer,
  audience: data.audience,
  jwksUri: data.jwksUri,
  logger,
  views: createViews({ viewsDir: data.viewsDir, assetsPath: data.assetsPath, cache: data.cacheViews }),
  replayCache,
  trustProxy: data.trustProxy,
  observer: createRequestObserver({ logger, metrics, server: 'api' }),
  draining: () => draining,
});
const servers: Server[] = [];
const url = await listen(createHttpServer(app.callback()), data.host, data.port, servers);

port.on('message', (message: ToApiThread) => {
  if (message.type === 'metrics') {
    void (metrics ? metrics.registry.getMetricsAsJSON() : Promise.resolve([])).then((values) => {
      port.postMessage({ type: 'metrics', id: message.id, metrics: values } satisfies FromApiThread);
    });
  } else if (message.type === 'close') {
    draining = true;
    void drainAll(servers, message.graceMs)
      .then(() => replayCache.close())
      // Ends this thread only; its log lines are flushed on the way out.
      .finally(() => process.exit(0));
  }
});
port.postMessage({ type: 'ready', url } satisfies FromApiThread);
