import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { StoreUsage } from '../store/store.js';
import { createLatencyHistogram, type HistogramSeries } from './latency-histogram.js';

/** What the login route reports (lockouts come from the throttling that decides them). */
export interface LoginMetrics {
  succeeded(): void;
  failed(): void;
  lockedOut(): void;
}

/**
 * What a store reports per storage operation. The store port is instrumented as a whole
 * (see instrument-store.ts); a store may also call this for its own commands (e.g. a Redis
 * MULTI), with a bounded operation name, never a key.
 */
export interface StoreMetrics {
  observe(operation: string, seconds: number, outcome: 'ok' | 'error'): void;
}

export interface Metrics {
  readonly registry: Registry;
  readonly login: LoginMetrics;
  readonly store: StoreMetrics;
  /** One finished HTTP request; `route` must come from a bounded set (see route-name.ts). */
  observeRequest(server: 'as' | 'api', method: string, route: string, status: number, seconds: number): void;
  /** One token issued; grant type and format come from oidc-provider's token models. */
  tokenIssued(kind: string, grantType: string, format: string): void;
}

// Latency buckets in seconds, dense where our targets are (p99 < 25 ms) and up to a slow hash.
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * Prometheus metrics on a registry of our own (no import-time global), with the process's
 * default metrics (CPU, RSS, heap, event-loop lag, handles).
 */
export function createMetrics(options: { prefix?: string; defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  const prefix = options.prefix ?? 'gatehouse_';
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  const requests = createLatencyHistogram({
    name: `${prefix}http_request_duration_seconds`,
    help: 'HTTP request latency by server, route name, method and status class',
    labelNames: ['server', 'route', 'method', 'status'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const tokens = new Counter({
    name: `${prefix}tokens_issued_total`,
    help: 'Tokens issued, by kind (access_token, client_credentials, refresh_token), grant type and format (opaque, jwt)',
    labelNames: ['kind', 'grant_type', 'format'] as const,
    registers: [registry],
  });
  const logins = new Counter({
    name: `${prefix}logins_total`,
    help: 'Sign-ins by outcome: success (password, and code when asked), failure (wrong password or code), lockout',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const storeOps = createLatencyHistogram({
    name: `${prefix}store_operation_duration_seconds`,
    help: 'Storage operation latency by operation and outcome',
    labelNames: ['operation', 'outcome'],
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 1, 5],
    registers: [registry],
  });
  const storeErrors = new Counter({
    name: `${prefix}store_errors_total`,
    help: 'Storage operations that failed, by operation',
    labelNames: ['operation'] as const,
    registers: [registry],
  });
  // Series by label values. Label values are bounded (route names, store operation names), so
  // are these maps. Request series are found by server, route and method in nested maps, then by
  // status class: those strings are ones we already hold, with their hashes cached, where a
  // joined key was built and hashed on every request.
  const requestSeries = new Map<string, Map<string, Map<string, (HistogramSeries | undefined)[]>>>();
  const storeSeries = new Map<string, HistogramSeries>();
  // Pre-create the login series so a dashboard shows 0 rather than nothing.
  for (const outcome of ['success', 'failure', 'lockout']) logins.inc({ outcome }, 0);

  return {
    registry,
    login: {
      succeeded: () => logins.inc({ outcome: 'success' }),
      failed: () => logins.inc({ outcome: 'failure' }),
      lockedOut: () => logins.inc({ outcome: 'lockout' }),
    },
    store: {
      observe(operation, seconds, outcome) {
        const key = `${operation} ${outcome}`;
        let series = storeSeries.get(key);
        if (!series) storeSeries.set(key, series = storeOps.labels({ operation, outcome }));
        series.observe(seconds);
        if (outcome === 'error') storeErrors.inc({ operation });
      },
    },
    observeRequest(server, method, route, status, seconds) {
      let byRoute = requestSeries.get(server);
      if (!byRoute) requestSeries.set(server, byRoute = new Map());
      let byMethod = byRoute.get(route);
      if (!byMethod) byRoute.set(route, byMethod = new Map());
      const name = KNOWN_METHODS.has(method) ? method : 'OTHER';
      let byStatus = byMethod.get(name);
      if (!byStatus) byMethod.set(name, byStatus = []);
      const statusClass = Math.floor(status / 100);
      let series = byStatus[statusClass];
      if (!series) byStatus[statusClass] = series = requests.labels({ server, route, method: name, status: `${statusClass}xx` });
      series.observe(seconds);
    },
    tokenIssued(kind, grantType, format) {
      tokens.inc({ kind, grant_type: grantType, format });
    },
  };
}

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** A process-count gauge: 1 for a single process; the cluster primary sets the live worker count. */
export function createProcessGauge(registry: Registry, prefix = 'gatehouse_'): Gauge {
  return new Gauge({ name: `${prefix}processes`, help: 'Processes serving requests (cluster workers, or 1)', registers: [registry] });
}

/**
 * The embedded store's size against MEMORY_STORE_MAX_MB, read at each scrape: past the bound it
 * refuses new sign-ins and tokens (503), so an alert on bytes / max_bytes comes before that.
 */
export function registerStoreUsage(registry: Registry, usage: () => StoreUsage, prefix = 'gatehouse_'): void {
  const gauge = (name: string, help: string, read: (now: StoreUsage) => number) => new Gauge({
    name: `${prefix}${name}`,
    help,
    registers: [registry],
    collect() {
      this.set(read(usage()));
    },
  });
  gauge('memory_store_bytes', 'The embedded store\'s records, in the bytes its bound counts (key, JSON and a fixed overhead each)', (now) => now.bytes);
  gauge('memory_store_max_bytes', 'The embedded store\'s bound (MEMORY_STORE_MAX_MB): past it, new records are refused with 503', (now) => now.maxBytes);
  gauge('memory_store_records', 'Records held by the embedded store (sessions, interactions, grants, codes, tokens)', (now) => now.records);
}
