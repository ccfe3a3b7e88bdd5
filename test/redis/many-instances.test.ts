import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import * as client from 'openid-client';
import { Browser } from '../helpers/browser.js';
import { freePort } from '../helpers/free-port.js';
import { startGatehouseProcess, type GatehouseProcess } from '../helpers/gatehouse-process.js';
import { authorize, DEMO_CONFIDENTIAL, discoverClient, signIn } from '../helpers/oauth.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startSwitchProxy, type SwitchProxy } from '../helpers/switch-proxy.js';
import { describeWithRedis } from '../helpers/test-stores.js';

/**
 * Two Gatehouse processes (src/main.ts, each its own Node process: nothing shared in memory)
 * behind one issuer address, sharing one Redis and the development keys of one DATA_DIR.
 * A switchable proxy plays the load balancer, so each step can land on either instance.
 */
describeWithRedis('two instances sharing one Redis', 'redis-server-binary', () => {
  let redis: RedisServer;
  let dataDir: string;
  let a: GatehouseProcess;
  let b: GatehouseProcess;
  let proxy: SwitchProxy;
  let rp: client.Configuration;

  beforeAll(async () => {
    redis = await startRedisServer();
    dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-shared-'));
    const proxyPort = await freePort();
    const env = { REDIS_URL: redis.url, DATA_DIR: dataDir, ISSUER: `http://localhost:${proxyPort}` };
    // One after the other: the first generates the development keys, the second reads them.
    a = await startGatehouseProcess(env);
    b = await startGatehouseProcess(env);
    proxy = await startSwitchProxy(proxyPort, a.url);
    rp = await discoverClient(proxy.url, DEMO_CONFIDENTIAL.id, DEMO_CONFIDENTIAL.secret);
  }, 60_000);
  afterAll(async () => {
    await proxy?.close();
    await a?.stop();
    await b?.stop();
    await redis?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const tokenAt = (instance: GatehouseProcess, params: Record<string, string>) => fetch(`${instance.url}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${DEMO_CONFIDENTIAL.id}:${DEMO_CONFIDENTIAL.secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(params),
  });

  it('both publish the same JWKS and the same metadata', async () => {
    const [jwksA, jwksB] = await Promise.all([a, b].map(async (instance) => (await fetch(`${instance.url}/oauth/jwks`)).json()));
    expect(jwksA).toEqual(jwksB);
    expect((jwksA as { keys: unknown[] }).keys.length).toBeGreaterThan(0);
    const [metaA, metaB] = await Promise.all([a, b].map(async (instance) => (await fetch(`${instance.url}/.well-known/openid-configuration`)).json()));
    expect(metaA).toEqual(metaB);
  });

  it('a code issued through A is redeemed at B, and B\'s tokens work at A', async () => {
    proxy.target = a.url;
    const browser = new Browser();
    const result = await authorize(rp, browser, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid offline_access', extra: { prompt: 'consent' } });
    proxy.target = b.url;
    const tokens = await client.authorizationCodeGrant(rp, result.callback, { pkceCodeVerifier: result.codeVerifier, expectedState: result.state, expectedNonce: result.nonce });
    expect(tokens.claims()!.iss).toBe(proxy.url);

    proxy.target = a.url;
    expect(await client.fetchUserInfo(rp, tokens.access_token, tokens.claims()!.sub)).toMatchObject({ sub: tokens.claims()!.sub });
    const refreshed = await client.refreshTokenGrant(rp, tokens.refresh_token!);
    expect(refreshed.access_token).toBeTruthy();
  });

  it('a session started at A is seen at B, and logout at B ends it at both', async () => {
    proxy.target = a.url;
    const { browser, tokens } = await signIn(rp, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid' });

    const silently = () => authorize(rp, browser, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid', extra: { prompt: 'none' } });
    proxy.target = b.url;
    expect((await silently()).callback.searchParams.get('code')).toBeTruthy();

    const confirmation = await browser.open(client.buildEndSessionUrl(rp, { id_token_hint: tokens.id_token! }));
    await browser.submit(confirmation, '/oauth/logout', { logout: 'yes' });

    for (const instance of [a, b]) {
      proxy.target = instance.url;
      expect((await silently()).callback.searchParams.get('error')).toBe('login_required');
    }
  });

  it('20 redemptions of one code split across both instances at once: exactly one succeeds, 25 times over', async () => {
    const browser = new Browser();
    const outcomes = new Set<string>();
    proxy.target = a.url;
    for (let round = 0; round < 25; round++) {
      const result = await authorize(rp, browser, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid', extra: { prompt: 'consent' } });
      const params = { grant_type: 'authorization_code', code: result.callback.searchParams.get('code')!, code_verifier: result.codeVerifier, redirect_uri: DEMO_CONFIDENTIAL.redirectUri };
      const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => tokenAt(i % 2 ? b : a, params).then((response) => response.status)));
      outcomes.add(`${statuses.filter((status) => status === 200).length} success(es), ${statuses.filter((status) => status === 400).length} invalid_grant`);
    }
    expect([...outcomes]).toEqual(['1 success(es), 19 invalid_grant']);
  });
});
