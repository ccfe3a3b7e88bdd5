import { describe, expect, it } from '@jest/globals';
import { AggregatorRegistry, Histogram, Registry } from 'prom-client';
import { createLatencyHistogram } from '../../src/observability/latency-histogram.js';

const BUCKETS = [0.001, 0.005, 0.025, 0.1, 1];
const OBSERVATIONS: [Record<'server' | 'route', string>, number][] = [
  [{ server: 'as', route: 'token' }, 0.0004],
  [{ server: 'as', route: 'token' }, 0.001], // on a bound: counted in that bucket (le is "less or equal")
  [{ server: 'as', route: 'token' }, 0.02],
  [{ server: 'as', route: 'token' }, 7], // above every bound: only in +Inf
  [{ server: 'api', route: '/protected' }, 0.003],
  [{ server: 'api', route: 'a "quoted" \\ route' }, 0.5],
];

/** The same observations in prom-client's Histogram and in ours, each on a registry of its own. */
function both() {
  const theirs = new Registry();
  const ours = new Registry();
  const reference = new Histogram({ name: 'h_seconds', help: 'latency', labelNames: ['server', 'route'], buckets: BUCKETS, registers: [theirs] });
  const histogram = createLatencyHistogram({ name: 'h_seconds', help: 'latency', labelNames: ['server', 'route'], buckets: BUCKETS, registers: [ours] });
  for (const [labels, value] of OBSERVATIONS) {
    reference.labels(labels).observe(value);
    histogram.labels(labels).observe(value);
  }
  return { theirs, ours, histogram };
}

describe('the latency histogram', () => {
  it('renders the exposition text prom-client\'s Histogram renders for the same observations', async () => {
    const { theirs, ours } = both();
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('sums across cluster workers as prom-client\'s does', async () => {
    const { theirs, ours } = both();
    const second = both();
    const aggregate = async (registries: Registry[]) => AggregatorRegistry.aggregate(await Promise.all(registries.map((registry) => registry.getMetricsAsJSON()))).metrics();
    const summed = await aggregate([ours, second.ours]);
    expect(summed).toBe(await aggregate([theirs, second.theirs]));
    expect(summed).toContain('h_seconds_count{server="as",route="token"} 8');
  });

  it('keeps one series per label set, and ignores values that are not finite numbers', async () => {
    const { ours, histogram } = both();
    histogram.labels({ server: 'as', route: 'token' }).observe(Number.NaN);
    histogram.labels({ server: 'as', route: 'token' }).observe(Number.POSITIVE_INFINITY);
    const text = await ours.metrics();
    expect(text).toContain('h_seconds_count{server="as",route="token"} 4');
    expect(text.match(/h_seconds_sum\{server="as",route="token"\}/g)).toHaveLength(1);
  });
});
