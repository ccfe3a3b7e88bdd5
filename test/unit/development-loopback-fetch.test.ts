import { describe, expect, it } from '@jest/globals';
import { developmentLoopbackFetch } from '../../src/provider/development-loopback-fetch.js';

describe('oidc-provider outgoing requests to loopback addresses', () => {
  it('stay refused in production: the provider keeps its own fetch and SSRF protection', () => {
    expect(developmentLoopbackFetch('production')).toBeUndefined();
  });

  it('are allowed in development and test, by dropping only the guarding dispatcher', async () => {
    for (const env of ['development', 'test'] as const) expect(typeof developmentLoopbackFetch(env)).toBe('function');
    const seen: RequestInit[] = [];
    const original = globalThis.fetch;
    globalThis.fetch = (async (_url: unknown, init: RequestInit) => {
      seen.push(init);
      return new Response(null, { status: 204 });
    }) as typeof fetch;
    try {
      await developmentLoopbackFetch('test')!('http://127.0.0.1:1/x', { method: 'POST', body: 'a=b', dispatcher: {} } as RequestInit);
    } finally {
      globalThis.fetch = original;
    }
    expect(seen).toEqual([{ method: 'POST', body: 'a=b' }]);
  });
});
