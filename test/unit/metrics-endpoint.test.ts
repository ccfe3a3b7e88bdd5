import { describe, expect, it } from '@jest/globals';
import type { Server } from 'node:http';
import { drainAll } from '../../src/http/http-server.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { combinedSource, listenMetrics, type MetricsSource } from '../../src/observability/metrics-endpoint.js';

describe('/metrics of one process with the protected API in a thread', () => {
  it('sums the request metrics of both threads and keeps every process metric, process_start_time_seconds too', async () => {
    const main = createMetrics();
    const api = createMetrics({ defaultMetrics: false });
    main.observeRequest('as', 'POST', 'token', 200, 0.002);
    api.observeRequest('api', 'GET', '/protected', 200, 0.001);
    api.observeRequest('api', 'GET', '/protected', 200, 0.001);
    const text = await combinedSource(main.registry, async () => [await api.registry.getMetricsAsJSON()]).text();
    expect(text).toMatch(/^process_start_time_seconds \d+/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toContain('gatehouse_http_request_duration_seconds_count{server="as",route="token",method="POST",status="2xx"} 1');
    expect(text).toContain('gatehouse_http_request_duration_seconds_count{server="api",route="/protected",method="GET",status="2xx"} 2');
  });
});

describe('/metrics when its source cannot answer (a cluster worker that hangs)', () => {
  it('answers 503 temporarily_unavailable saying why, not a 500', async () => {
    const source: MetricsSource = {
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
      text: async () => {
        throw new Error('Operation timed out.');
      },
    };
    const servers: Server[] = [];
    const url = await listenMetrics(source, '127.0.0.1', 0, servers);
    try {
      const response = await fetch(`${url}/metrics`);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ error: 'temporarily_unavailable', error_description: 'Metrics are unavailable for now: Operation timed out.' });
    } finally {
      await drainAll(servers, 1000);
    }
  });
});
