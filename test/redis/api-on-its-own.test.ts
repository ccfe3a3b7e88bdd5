import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { generateKeyPair } from 'jose';
import { redisCli, startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { dpopProof, startStandaloneApi, startTestIssuer, type StandaloneApi, type TestIssuer } from '../helpers/standalone-api.js';
import { describeWithRedis } from '../helpers/test-stores.js';

/**
 * Compose's `api` service (src/api-main.ts), scaled to several instances on the authorization
 * server's Redis: a DPoP proof is accepted once across all of them (RFC 9449 §11.1).
 */
describeWithRedis('the protected API on its own, several instances on one Redis', 'redis-server-binary', () => {
  const audience = 'http://api.example.test';
  let redis: RedisServer;
  let issuer: TestIssuer;
  let first: StandaloneApi;
  let second: StandaloneApi;

  beforeAll(async () => {
    redis = await startRedisServer();
    issuer = await startTestIssuer();
    const env = { ISSUER: issuer.issuer, API_JWKS_URI: issuer.jwksUri, API_AUDIENCE: audience, REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'api-test:', TRUST_PROXY: 'true' };
    [first, second] = await Promise.all([startStandaloneApi(env), startStandaloneApi(env)]);
  }, 60_000);
  afterAll(async () => {
    await first?.stop();
    await second?.stop();
    await issuer?.close();
    await redis?.close();
  });

  /** GET /protected at `api` through the load balancer, which the client addressed (the proof's URL). */
  const call = (api: StandaloneApi, accessToken: string, proof: string) =>
    fetch(`${api.url}/protected`, { headers: { authorization: `DPoP ${accessToken}`, dpop: proof, 'x-forwarded-host': 'api.example.test', 'x-forwarded-proto': 'http' } });

  it('refuses at the second instance a proof the first accepted, remembered in Redis under the key prefix', async () => {
    const dpopKey = await generateKeyPair('ES256');
    const accessToken = await issuer.dpopToken(audience, dpopKey);
    const proof = await dpopProof(dpopKey, `${audience}/protected`, accessToken);
    expect((await call(first, accessToken, proof)).status).toBe(200);
    expect(await redisCli(redis.port, 'KEYS', 'api-test:replay:*')).toMatch(/^api-test:replay:/);

    const replayed = await call(second, accessToken, proof);
    expect(replayed.status).toBe(401);
    expect(replayed.headers.get('www-authenticate')).toMatch(/error="invalid_dpop_proof", error_description="This DPoP proof has been used before/);
    // A fresh proof from the same key still goes through at either instance.
    expect((await call(second, accessToken, await dpopProof(dpopKey, `${audience}/protected`, accessToken))).status).toBe(200);
  });

  it('answers 503 while Redis is down, rather than accepting a proof it cannot remember', async () => {
    const dpopKey = await generateKeyPair('ES256');
    const accessToken = await issuer.dpopToken(audience, dpopKey);
    await redis.crash();
    try {
      const response = await call(first, accessToken, await dpopProof(dpopKey, `${audience}/protected`, accessToken));
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).not.toBeNull();
    } finally {
      await redis.restart();
    }
  });
});
