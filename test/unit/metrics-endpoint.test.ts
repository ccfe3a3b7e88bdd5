import { describe, expect, it } from '@jest/globals';
import type { Server } from 'node:http';
import { drainAll } from '../../src/http/http-server.js';
import { listenMetrics, type MetricsSource } from '../../src/observability/metrics-endpoint.js';

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
