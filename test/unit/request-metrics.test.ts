import { describe, expect, it } from '@jest/globals';
import { createMetrics } from '../../src/observability/metrics.js';

const count = (text: string, labels: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`gatehouse_http_request_duration_seconds_count{${labels}}`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
};

describe('request latency metrics', () => {
  it('count each request under its server, route, method and status class', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.observeRequest('as', 'POST', 'token', 200, 0.002);
    metrics.observeRequest('as', 'POST', 'token', 201, 0.004);
    metrics.observeRequest('as', 'POST', 'token', 400, 0.001);
    metrics.observeRequest('api', 'POST', 'token', 200, 0.001);
    metrics.observeRequest('as', 'GET', 'token', 405, 0.001);
    const text = await metrics.registry.metrics();
    expect(count(text, 'server="as",route="token",method="POST",status="2xx"')).toBe(2);
    expect(count(text, 'server="as",route="token",method="POST",status="4xx"')).toBe(1);
    expect(count(text, 'server="api",route="token",method="POST",status="2xx"')).toBe(1);
    expect(count(text, 'server="as",route="token",method="GET",status="4xx"')).toBe(1);
    expect(text).toContain('gatehouse_http_request_duration_seconds_sum{server="as",route="token",method="POST",status="2xx"} 0.006');
  });

  it('put methods outside the standard set in one OTHER series', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    for (const method of ['PROPFIND', 'MKCOL', 'BREW', 'PROPFIND']) metrics.observeRequest('api', method, 'other', 405, 0.001);
    const text = await metrics.registry.metrics();
    expect(count(text, 'server="api",route="other",method="OTHER",status="4xx"')).toBe(4);
    expect(text).not.toMatch(/PROPFIND|MKCOL|BREW/);
  });
});
