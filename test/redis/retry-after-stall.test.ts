import { afterAll, beforeAll, expect, it } from '@jest/globals';
import * as client from 'openid-client';
import { Browser } from '../helpers/browser.js';
import { authorize, DEMO_CONFIDENTIAL, discoverClient, signIn } from '../helpers/oauth.js';
import { redisCli, startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/start-gatehouse.js';
import { describeWithRedis } from '../helpers/test-stores.js';

/**
 * A 503 with Retry-After tells the client its request did nothing and may be sent again. When
 * Redis stalls past the command timeout while a code or refresh token is being used up, the
 * consume may still run once Redis catches up. The retry must then succeed, not be taken for a
 * replay that revokes the grant (RFC 9700 §4.14) and signs the user out.
 */
const PAUSE_MS = 1500;

describeWithRedis('a code or refresh token whose redemption got a 503 while Redis stalled', 'redis-server-binary', () => {
  let redis: RedisServer;
  let server: TestGatehouse;
  let confidential: client.Configuration;

  beforeAll(async () => {
    redis = await startRedisServer();
    server = await startTestGatehouse({ REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: '300' });
    confidential = await discoverClient(server.issuer, DEMO_CONFIDENTIAL.id, DEMO_CONFIDENTIAL.secret);
  });
  afterAll(async () => {
    await server?.close();
    await redis?.close();
  });

  const token = (params: Record<string, string>) => fetch(confidential.serverMetadata().token_endpoint!, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${DEMO_CONFIDENTIAL.id}:${DEMO_CONFIDENTIAL.secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(params),
  });

  /** Sends `params` while Redis holds back writes (scripts included), then again once it has caught up. */
  async function duringStallThenAfter(params: Record<string, string>) {
    await redisCli(redis.port, 'CLIENT', 'PAUSE', String(PAUSE_MS), 'WRITE');
    const during = await token(params);
    expect({ status: during.status, error: ((await during.json()) as { error?: string }).error, retryAfter: during.headers.get('retry-after') })
      .toEqual({ status: 503, error: 'temporarily_unavailable', retryAfter: expect.stringMatching(/^\d+$/) });
    // Paused commands run when the pause ends; give them a moment after it.
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS + 500));
    const after = await token(params);
    return { status: after.status, body: (await after.json()) as Record<string, unknown> };
  }

  it('a refresh token can be sent again, and the grant and its tokens stay valid', async () => {
    const { tokens } = await signIn(confidential, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid offline_access', extra: { prompt: 'consent' } });

    const retry = await duringStallThenAfter({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token! });

    expect(retry).toEqual({ status: 200, body: expect.objectContaining({ access_token: expect.any(String), refresh_token: expect.any(String) }) });
    const sub = tokens.claims()!.sub;
    expect(await client.fetchUserInfo(confidential, tokens.access_token, sub)).toMatchObject({ sub });
    expect(await client.fetchUserInfo(confidential, retry.body['access_token'] as string, sub)).toMatchObject({ sub });
  });

  it('an authorization code can be sent again and gives its tokens', async () => {
    const flow = await authorize(confidential, new Browser(), { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid', extra: { prompt: 'consent' } });
    const code = flow.callback.searchParams.get('code')!;

    const retry = await duringStallThenAfter({
      grant_type: 'authorization_code', code, redirect_uri: DEMO_CONFIDENTIAL.redirectUri, code_verifier: flow.codeVerifier,
    });

    expect(retry).toEqual({ status: 200, body: expect.objectContaining({ access_token: expect.any(String), id_token: expect.any(String) }) });
  });

  it('a code used up by a request that succeeded is still refused as a replay', async () => {
    const flow = await authorize(confidential, new Browser(), { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid', extra: { prompt: 'consent' } });
    const params = { grant_type: 'authorization_code', code: flow.callback.searchParams.get('code')!, redirect_uri: DEMO_CONFIDENTIAL.redirectUri, code_verifier: flow.codeVerifier };
    expect((await token(params)).status).toBe(200);

    const replay = await token(params);

    expect({ status: replay.status, error: ((await replay.json()) as { error?: string }).error }).toEqual({ status: 400, error: 'invalid_grant' });
  });
});
