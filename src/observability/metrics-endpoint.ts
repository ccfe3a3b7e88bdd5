import type { Server } from 'node:http';
import Koa, { type Context, type Middleware } from 'koa';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';
import { sendJsonError, toPublicError } from '../http/error-handler.js';
import { createHttpServer, listen } from '../http/http-server.js';
import { notFound } from '../http/not-found.js';

/** Where /metrics text comes from: this process's registry, or the cluster's aggregate. */
export interface MetricsSource {
  readonly contentType: string;
  text(): Promise<string>;
}

export function registrySource(registry: Registry): MetricsSource {
  return { contentType: registry.contentType, text: () => registry.metrics() };
}

/** A registry's metrics as data (what getMetricsAsJSON gives), as they cross to another thread. */
export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/**
 * This process's registry summed with metrics kept elsewhere in it (the protected API's
 * thread), as a cluster's workers are summed: one series per label set, one HELP and TYPE per
 * name. What only this registry reports (the process metrics) is passed on as it is: the sum
 * leaves out what cannot be summed across processes, process_start_time_seconds among them, and
 * here there is one process. The registry is read once per scrape: a collect may reset what it
 * reports (event-loop delay).
 */
export function combinedSource(registry: Registry, others: () => Promise<MetricsJson[]>): MetricsSource {
  return {
    contentType: registry.contentType,
    async text() {
      const [own, rest] = await Promise.all([registry.getMetricsAsJSON(), others()]);
      const elsewhere = new Set(rest.flat().map((metric) => metric.name));
      const passedOn = own.map((metric) => (elsewhere.has(metric.name) ? metric : { ...metric, aggregator: 'first' as const }));
      return AggregatorRegistry.aggregate([passedOn, ...rest]).metrics();
    },
  };
}

/** GET /metrics in Prometheus text format. Never cached. */
export function createMetricsEndpoint(source: MetricsSource, path = '/metrics'): Middleware {
  const serve = async (ctx: Context) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      // Thrown: the app's error handler answers it (JSON, or our page), Allow kept.
      ctx.set('Allow', 'GET, HEAD');
      ctx.throw(405);
    }
    ctx.set('Cache-Control', 'no-store');
    let text: string;
    try {
      text = await source.text();
    } catch (error) {
      // The cluster's sum needs every worker: one that hangs or is being replaced makes it
      // unavailable for now (the scraper tries again), which is no fault of this server.
      ctx.throw(503, { expose: true, error: 'temporarily_unavailable', error_description: `Metrics are unavailable for now: ${(error as Error).message}`, cause: error });
    }
    ctx.type = source.contentType;
    ctx.body = text;
  };
  // Every other request passes by without an async frame of its own.
  return function serveMetrics(ctx, next) {
    return ctx.path === path ? serve(ctx) : next();
  };
}

/**
 * /metrics on a port of its own (METRICS_PORT), for the authorization server, the cluster's
 * primary and the protected API on its own alike. Nothing else is served there: any other
 * request gets the JSON error our other servers give (404 not_found, 405 with Allow), without
 * the pages and request log of createErrorHandler, which this port has no use for.
 */
export async function listenMetrics(source: MetricsSource, host: string, port: number, servers: Server[]): Promise<string> {
  const app = new Koa();
  app.use(async function answerErrorsAsJson(ctx, next) {
    try {
      await next();
    } catch (error) {
      const out = toPublicError(error);
      ctx.status = out.status;
      sendJsonError(ctx, out);
    }
  });
  app.use(notFound);
  app.use(createMetricsEndpoint(source));
  return listen(createHttpServer(app.callback()), host, port, servers);
}
