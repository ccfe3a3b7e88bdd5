import type { Context, Middleware } from 'koa';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';

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
 * name. The registry is read once per scrape: a collect may reset what it reports (event-loop delay).
 */
export function combinedSource(registry: Registry, others: () => Promise<MetricsJson[]>): MetricsSource {
  return {
    contentType: registry.contentType,
    async text() {
      const [own, rest] = await Promise.all([registry.getMetricsAsJSON(), others()]);
      return AggregatorRegistry.aggregate([own, ...rest]).metrics();
    },
  };
}

/** GET /metrics in Prometheus text format. Never cached. */
export function createMetricsEndpoint(source: MetricsSource, path = '/metrics'): Middleware {
  const serve = async (ctx: Context) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.status = 405;
      ctx.set('Allow', 'GET, HEAD');
      return;
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.type = source.contentType;
    ctx.body = await source.text();
  };
  // Every other request passes by without an async frame of its own.
  return function serveMetrics(ctx, next) {
    return ctx.path === path ? serve(ctx) : next();
  };
}
