import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

/**
 * The event-loop delay of the calling thread, under the names prom-client's default metrics give
 * the main thread's (nodejs_eventloop_lag_*_seconds) and with `labels` that tell them apart, so
 * one dashboard shows both. For a worker thread: prom-client's own collector also reports
 * process-wide figures (CPU, memory) that the main thread already does.
 */
export function registerEventLoopDelay(registry: Registry, labels: Readonly<Record<string, string>>): void {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const labelNames = Object.keys(labels);
  const gauge = (name: string, help: string, aggregator: 'average' | 'max', collect?: () => void) =>
    new Gauge({ name: `nodejs_eventloop_lag_${name}_seconds`, help, labelNames, aggregator, registers: [registry], ...(collect ? { collect } : {}) });
  // Registered first: a scrape reads the gauges in order, and its collect sets every one of them
  // from the delays since the last scrape.
  gauge('p99', 'The 99th percentile of the recorded event loop delays.', 'average', function collect(this: Gauge) {
    this.set(labels, histogram.percentile(99) / 1e9);
    p50.set(labels, histogram.percentile(50) / 1e9);
    p90.set(labels, histogram.percentile(90) / 1e9);
    max.set(labels, histogram.max / 1e9);
    histogram.reset();
  });
  const p50 = gauge('p50', 'The 50th percentile of the recorded event loop delays.', 'average');
  const p90 = gauge('p90', 'The 90th percentile of the recorded event loop delays.', 'average');
  const max = gauge('max', 'The maximum recorded event loop delay.', 'max');
}
