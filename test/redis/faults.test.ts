import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as client from 'openid-client';
import { Browser, type Page } from '../helpers/browser.js';
import { DEMO_CONFIDENTIAL, discoverClient, signIn } from '../helpers/oauth.js';
import { startRedisServer, waitFor, type RedisServer } from '../helpers/redis-server.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/start-gatehouse.js';
import { describeWithRedis } from '../helpers/test-stores.js';

/**
 * Redis killed, and Redis frozen (SIGSTOP: the TCP connection stays up, nothing answers).
 * Either way every request must get a clear 503 in bounded time, never hang for ioredis's
 * default tens of seconds, never leak how storage is reached; liveness stays up, readiness
 * goes down, and the server recovers by itself when Redis is back.
 */
const BOUND_MS = 2000;

describeWithRedis('when Redis fails', 'redis-server-binary', () => {
  let redis: RedisServer;
  let server: TestGatehouse;
  let confidential: client.Configuration;
  let tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers;
  let browser: Browser;
  let login: { browser: Browser; page: Page };

  beforeAll(async () => {
    // Persistence on, so a restarted Redis still knows the demo user and our tokens.
    redis = await startRedisServer({ appendonly: true });
    server = await startTestGatehouse({ REDIS_URL: redis.url });
    confidential = await discoverClient(server.issuer, DEMO_CONFIDENTIAL.id, DEMO_CONFIDENTIAL.secret);
    ({ tokens, browser } = await signIn(confidential, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid offline_access', extra: { prompt: 'consent' } }));
  });
  afterAll(async () => {
    await server?.close();
    await redis?.close();
  });

  /** Opens a fresh sign-in up to our login page (its interaction lives in Redis). */
  async function openLoginPage(): Promise<{ browser: Browser; page: Page }> {
    const url = client.buildAuthorizationUrl(confidential, {
      redirect_uri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256',
    });
    const loginBrowser = new Browser();
    return { browser: loginBrowser, page: await loginBrowser.open(url) };
  }

  async function timed(request: () => Promise<Response>) {
    const started = performance.now();
    const response = await request();
    const body = await response.text();
    return { status: response.status, headers: response.headers, body, ms: performance.now() - started };
  }

  function expectNoLeak(body: string) {
    for (const secret of [String(redis.port), '127.0.0.1', 'ECONNREFUSED', 'edis', 'timed out', 'Stream', 'Error:']) expect(body).not.toContain(secret);
    expect(body).not.toMatch(/\n\s+at /);
  }

  const token = (params: Record<string, string>) => timed(() => fetch(confidential.serverMetadata().token_endpoint!, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${DEMO_CONFIDENTIAL.id}:${DEMO_CONFIDENTIAL.secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(params),
  }));

  async function expectUnavailable() {
    const refresh = await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token! });
    expect({ status: refresh.status, json: JSON.parse(refresh.body), retryAfter: refresh.headers.get('retry-after') }).toEqual({
      status: 503,
      json: { error: 'temporarily_unavailable', error_description: expect.any(String) },
      retryAfter: expect.stringMatching(/^\d+$/),
    });
    expect(refresh.ms).toBeLessThan(BOUND_MS);
    expectNoLeak(refresh.body);

    const userinfo = await timed(() => fetch(confidential.serverMetadata().userinfo_endpoint!, { headers: { authorization: `Bearer ${tokens.access_token}` } }));
    expect({ status: userinfo.status, error: JSON.parse(userinfo.body).error }).toEqual({ status: 503, error: 'temporarily_unavailable' });
    expect(userinfo.ms).toBeLessThan(BOUND_MS);
    expectNoLeak(userinfo.body);

    // Pages: the provider's (authorize with a session cookie) and ours (the login page).
    const authorize = await timed(() => browser.request(new URL(client.buildAuthorizationUrl(confidential, {
      redirect_uri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256',
    })), { headers: { accept: 'text/html' } }));
    const loginAgain = await timed(() => login.browser.request(login.page.url, { headers: { accept: 'text/html' } }));
    for (const page of [authorize, loginAgain]) {
      expect({ status: page.status, type: page.headers.get('content-type'), retryAfter: page.headers.get('retry-after') })
        .toEqual({ status: 503, type: expect.stringContaining('text/html'), retryAfter: expect.stringMatching(/^\d+$/) });
      expect(page.body).toContain('Temporarily unavailable');
      expect(page.ms).toBeLessThan(BOUND_MS);
      expectNoLeak(page.body);
    }

    const health = await timed(() => fetch(`${server.issuer}/healthz`));
    const ready = await timed(() => fetch(`${server.issuer}/readyz`));
    expect([health.status, ready.status]).toEqual([200, 503]);
    expect(ready.ms).toBeLessThan(BOUND_MS);
  }

  async function expectRecovered() {
    await waitFor(async () => (await fetch(`${server.issuer}/readyz`)).status === 200, 15_000, 'readiness to come back');
    const fresh = await signIn(confidential, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid offline_access', extra: { prompt: 'consent' } });
    expect(fresh.tokens.access_token).toBeTruthy();
    expect(await client.fetchUserInfo(confidential, tokens.access_token, tokens.claims()!.sub)).toMatchObject({ sub: tokens.claims()!.sub });
    tokens = fresh.tokens;
    browser = fresh.browser;
  }

  describe.each([
    ['killed (kill -9), then restarted', async () => redis.crash(), async () => redis.restart()],
    ['frozen (SIGSTOP), then resumed', async () => redis.signal('SIGSTOP'), async () => redis.signal('SIGCONT')],
  ])('Redis %s', (_name, fail, heal) => {
    it('every endpoint answers 503 within 2 s without leaking storage details; /healthz stays 200, /readyz turns 503', async () => {
      login = await openLoginPage();
      expect(login.page.html).toContain('/login"');
      await fail();
      try {
        await expectUnavailable();
      } finally {
        await heal();
      }
      // Failed Redis commands name keys, and our keys hold token values: none may reach a log.
      const logs = server.logs.join('\n');
      expect(logs).toContain('storage unavailable');
      for (const token of [tokens.access_token, tokens.refresh_token!]) expect(logs).not.toContain(token);
    });

    it('the server recovers without a restart: ready again, old tokens valid, new sign-ins work', async () => {
      await expectRecovered();
    });
  });
});
