import type { Context, Middleware } from 'koa';
import type { Registry } from 'prom-client';

/** Where /metrics text comes from: this process's registry, or the cluster's aggregate. */
export interface MetricsSource {
  readonly contentType: string;
  text(): Promise<string>;
}

export function registrySource(registry: Registry): MetricsSource {
  return { contentType: registry.contentType, text: () => registry.metrics() };
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
