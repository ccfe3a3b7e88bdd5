import { afterAll, beforeAll, expect, it } from '@jest/globals';
import * as client from 'openid-client';
import { authorize, DEMO_CONFIDENTIAL, discoverClient, signIn } from '../helpers/oauth.js';
import { startRedisServer, waitFor, type RedisServer } from '../helpers/redis-server.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/start-gatehouse.js';
import { describeWithRedis } from '../helpers/test-stores.js';

/**
 * Nothing acknowledged is lost: Redis runs with the append-only file we recommend
 * (appendonly yes, appendfsync always), is killed with SIGKILL right after it acknowledged our
 * writes, and restarts on the same file. Sessions, tokens, grants and consumed-code markers
 * must all be there.
 */
describeWithRedis('Redis killed with -9 and restarted on its append-only file', 'redis-server-binary', () => {
  let redis: RedisServer;
  let server: TestGatehouse;
  let rp: client.Configuration;

  beforeAll(async () => {
    redis = await startRedisServer({ appendonly: true });
    server = await startTestGatehouse({ REDIS_URL: redis.url });
    rp = await discoverClient(server.issuer, DEMO_CONFIDENTIAL.id, DEMO_CONFIDENTIAL.secret);
  });
  afterAll(async () => {
    await server?.close();
    await redis?.close();
  });

  it('keeps the session, the tokens and the grant, and a consumed code stays consumed', async () => {
    const { tokens, browser, result } = await signIn(rp, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid offline_access', extra: { prompt: 'consent' } });

    // The token response was the last acknowledged write: crash now.
    await redis.crash();
    await redis.restart();
    await waitFor(async () => (await fetch(`${server.issuer}/readyz`)).status === 200, 15_000, 'readiness after the restart');

    // The access token (opaque: stored) and its grant are still there.
    expect(await client.fetchUserInfo(rp, tokens.access_token, tokens.claims()!.sub)).toMatchObject({ sub: tokens.claims()!.sub });
    // The session: a silent authorization in the same browser still gets a code.
    const silent = await authorize(rp, browser, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid', extra: { prompt: 'none' } });
    expect(silent.callback.searchParams.get('code')).toBeTruthy();
    // The refresh token still rotates.
    const refreshed = await client.refreshTokenGrant(rp, tokens.refresh_token!);
    expect(refreshed.access_token).toBeTruthy();

    // The consumed code is still known as consumed: replaying it fails and revokes the grant,
    // which a forgotten code could not do (it would just be "not found").
    await expect(client.authorizationCodeGrant(rp, result.callback, {
      pkceCodeVerifier: result.codeVerifier, expectedState: result.state, expectedNonce: result.nonce,
    })).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await client.tokenIntrospection(rp, refreshed.access_token)).active).toBe(false);
    await expect(client.refreshTokenGrant(rp, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});
