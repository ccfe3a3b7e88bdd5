import { describe, expect, it } from '@jest/globals';
import * as client from 'openid-client';
import { Browser } from '../helpers/browser.js';
import { freePort } from '../helpers/free-port.js';
import { metricValue } from '../helpers/metrics-text.js';
import { DEMO_CONFIDENTIAL, signIn } from '../helpers/oauth.js';
import { startTestGatehouse } from '../helpers/start-gatehouse.js';
import { useGatehouse } from '../helpers/use-gatehouse.js';

const { server, clients } = useGatehouse({ clients: { confidential: DEMO_CONFIDENTIAL } });

const basic = `Basic ${Buffer.from(`${DEMO_CONFIDENTIAL.id}:${DEMO_CONFIDENTIAL.secret}`).toString('base64')}`;

async function clientCredentials(body: Record<string, string>, authorization = basic) {
  return fetch(`${server.issuer}/oauth/token`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...body }),
  });
}

async function metricsText(): Promise<string> {
  const response = await fetch(`${server.issuer}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text();
}

const parsedLogs = () => server.logs.map((line) => JSON.parse(line) as Record<string, unknown>);

describe('request ids', () => {
  it('echoes a sane incoming X-Request-Id and tags the access-log line with it', async () => {
    const response = await fetch(`${server.issuer}/healthz`, { headers: { 'x-request-id': 'edge-4f2a.91:b_c' } });
    expect(response.headers.get('x-request-id')).toBe('edge-4f2a.91:b_c');
    expect(parsedLogs()).toContainEqual(expect.objectContaining({ reqId: 'edge-4f2a.91:b_c', msg: 'request', route: '/healthz', status: 200 }));
  });

  it.each([
    ['too long', 'a'.repeat(129)],
    ['with spaces and quotes', 'x" injected="1'],
    ['with a newline smuggled as text', 'abc%0d%0aSet-Cookie:x'],
  ])('replaces an incoming id that is %s with a fresh UUID', async (_label, incoming) => {
    const response = await fetch(`${server.issuer}/healthz`, { headers: { 'x-request-id': incoming } });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('gives every response an id, including the provider\'s own and errors', async () => {
    const response = await clientCredentials({}, 'Basic bm9ib2R5Om5vdGhpbmc=');
    expect(response.status).toBe(401);
    const id = response.headers.get('x-request-id')!;
    expect(id).toBeTruthy();
    // The provider's refusal is logged (info, client-caused) under the same request id.
    expect(parsedLogs()).toContainEqual(expect.objectContaining({ reqId: id, event: 'grant.error', error: 'invalid_client', level: 30 }));
  });
});

describe('access-log lines', () => {
  it('name a grant type only if it is one we know: whatever a client sends stays out of the line', async () => {
    const response = await fetch(`${server.issuer}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'x'.repeat(50_000) }),
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    const id = response.headers.get('x-request-id')!;
    const line = server.logs.find((candidate) => candidate.includes(id) && candidate.includes('"msg":"request"'))!;
    expect(line.length).toBeLessThan(500);
    expect(JSON.parse(line)).toMatchObject({ route: 'token', grant_type: 'other' });
  });
});

describe('metrics at /metrics', () => {
  it('counts client_credentials tokens by grant type and format (opaque, and JWT for the API resource)', async () => {
    const before = await metricsText();
    expect((await clientCredentials({ scope: 'api:read', resource: server.apiUrl })).status).toBe(200);
    const after = await metricsText();
    const labels = { kind: 'client_credentials', grant_type: 'client_credentials', format: 'jwt' };
    expect(metricValue(after, 'gatehouse_tokens_issued_total', labels)).toBe(metricValue(before, 'gatehouse_tokens_issued_total', labels) + 1);
  });

  it('names a path of ours the same whatever the method', async () => {
    for (const method of ['GET', 'POST']) await fetch(`${server.issuer}/readyz`, { method });
    const text = await metricsText();
    expect(metricValue(text, 'gatehouse_http_request_duration_seconds_count', { route: '/readyz', method: 'GET' })).toBeGreaterThan(0);
    expect(metricValue(text, 'gatehouse_http_request_duration_seconds_count', { route: '/readyz', method: 'POST' })).toBeGreaterThan(0);
    expect(text).not.toContain('route="readyz"');
  });

  it('times requests by route name, never by raw path', async () => {
    await fetch(`${server.issuer}/interaction/some-unguessable-uid-123`);
    const text = await metricsText();
    expect(metricValue(text, 'gatehouse_http_request_duration_seconds_count', { server: 'as', route: 'token', method: 'POST', status: '2xx' })).toBeGreaterThan(0);
    expect(text).toContain('route="/interaction/:uid"');
    expect(text).not.toContain('some-unguessable-uid-123');
  });

  it('counts sign-ins by outcome and tokens from the authorization code grant', async () => {
    const before = await metricsText();
    await signIn(clients.confidential, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid offline_access', extra: { prompt: 'consent' } });
    const after = await metricsText();
    expect(metricValue(after, 'gatehouse_logins_total', { outcome: 'success' })).toBe(metricValue(before, 'gatehouse_logins_total', { outcome: 'success' }) + 1);
    expect(metricValue(after, 'gatehouse_logins_total', { outcome: 'lockout' })).toBe(0);
    const refresh = { kind: 'refresh_token', grant_type: 'authorization_code', format: 'opaque' };
    expect(metricValue(after, 'gatehouse_tokens_issued_total', refresh)).toBe(metricValue(before, 'gatehouse_tokens_issued_total', refresh) + 1);
  });

  it('counts sign-ins on the account security page with the login page\'s', async () => {
    const before = await metricsText();
    const browser = new Browser();
    for (const password of ['not-the-password', 'demo']) {
      const signInPage = await browser.open(`${server.issuer}/account/security`);
      await browser.submit(signInPage, '/account/security/sign-in', { username: 'demo', password });
    }
    const after = await metricsText();
    for (const outcome of ['failure', 'success']) {
      expect([outcome, metricValue(after, 'gatehouse_logins_total', { outcome })]).toEqual([outcome, metricValue(before, 'gatehouse_logins_total', { outcome }) + 1]);
    }
  });

  it('times store operations through the store port and reports the process', async () => {
    const text = await metricsText();
    expect(metricValue(text, 'gatehouse_store_operation_duration_seconds_count', { operation: 'AuthorizationCode.consume', outcome: 'ok' })).toBeGreaterThan(0);
    expect(text).toMatch(/^gatehouse_processes 1$/m);
    expect(text).toContain('process_resident_memory_bytes');
    // The embedded store says how full it is against MEMORY_STORE_MAX_MB; Redis reports its own memory.
    expect(/^gatehouse_memory_store_max_bytes \d+$/m.test(text)).toBe(server.store === 'memory');
  });
});

describe('health', () => {
  it('/readyz reports the store and the signing keys loaded, as JSON', async () => {
    const response = await fetch(`${server.issuer}/readyz`);
    expect(response.status).toBe(200);
    // The flow suite runs on each store (jest.config.js): the store's kind is whichever this run uses.
    const store = server.store === 'memory' ? 'memory' : 'redis';
    expect(await response.json()).toEqual({ status: 'ready', store, storeReady: true, keys: { signing: 2, algorithms: ['ES256', 'RS256'] } });
  });
});

describe('logs of a whole sign-in never carry its secrets', () => {
  it('contains no code, token, client secret, password or cookie value', async () => {
    const { tokens, result } = await signIn(clients.confidential, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid offline_access', extra: { prompt: 'consent' } });
    const refreshed = await client.refreshTokenGrant(clients.confidential, tokens.refresh_token!);
    const output = server.logs.join('\n');
    const secrets = [
      result.callback.searchParams.get('code')!, result.codeVerifier, tokens.access_token, tokens.refresh_token!, tokens.id_token!,
      refreshed.access_token, refreshed.refresh_token!, DEMO_CONFIDENTIAL.secret, basic.slice(6),
    ];
    for (const secret of secrets) expect(output).not.toContain(secret);
    expect(output).not.toMatch(/"password":"demo"/);
    expect(output).not.toMatch(/_session=/);
    // ... while the events themselves are there.
    expect(parsedLogs()).toContainEqual(expect.objectContaining({ event: 'grant.success', grant_type: 'refresh_token', client: DEMO_CONFIDENTIAL.id }));
  });
});

describe('METRICS_PORT', () => {
  it('serves /metrics on its own port and not on the authorization server\'s', async () => {
    const own = await startTestGatehouse({ METRICS_PORT: String(await freePort()) });
    try {
      expect(own.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const metrics = await fetch(`${own.metricsUrl}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('gatehouse_http_request_duration_seconds');
      expect((await fetch(`${own.issuer}/metrics`)).status).toBe(404);
      // Nothing else there: the JSON errors of every other port, not Koa's plain text.
      const other = await fetch(`${own.metricsUrl}/healthz`);
      expect([other.status, await other.json()]).toEqual([404, { error: 'not_found', error_description: 'not found' }]);
      const post = await fetch(`${own.metricsUrl}/metrics`, { method: 'POST' });
      expect([post.status, post.headers.get('allow'), await post.json()]).toEqual([405, 'GET, HEAD', { error: 'invalid_request', error_description: 'Method Not Allowed' }]);
    } finally {
      await own.close();
    }
  });

  it('METRICS_ENABLED=false serves no metrics at all', async () => {
    const off = await startTestGatehouse({ METRICS_ENABLED: 'false' });
    try {
      expect((await fetch(`${off.issuer}/metrics`)).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});
