import { describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { registerEventLoopDelay } from '../../src/observability/event-loop-delay.js';

const value = async (registry: Registry, name: string) =>
  (await registry.getMetricsAsJSON()).find((metric) => metric.name === name)?.values.find((entry) => entry.labels['thread'] === 'api')?.value;

describe("a thread's event-loop delay", () => {
  it('reports the delays since the last scrape under the default metrics names, with its label', async () => {
    const registry = new Registry();
    registerEventLoopDelay(registry, { thread: 'api' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The loop is held for 120 ms; the delay monitor sees it when the loop turns again.
    const until = Date.now() + 120;
    while (Date.now() < until);
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(await value(registry, 'nodejs_eventloop_lag_max_seconds')).toBeGreaterThanOrEqual(0.1);
    expect(await registry.metrics()).toMatch(/^nodejs_eventloop_lag_p99_seconds\{thread="api"\} \d/m);

    // The next scrape starts from a clean slate.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await value(registry, 'nodejs_eventloop_lag_max_seconds')).toBeLessThan(0.1);
  });
});
