import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import * as client from 'openid-client';
import { DEMO_CONFIDENTIAL, DEMO_PUBLIC, discoverClient, signIn } from '../helpers/oauth.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/start-gatehouse.js';
import { describeWithRedis } from '../helpers/test-stores.js';

/**
 * What a real run leaves in Redis, checked against docs/storage.md: every key has a documented
 * shape and type, and nothing grows without bound (every key but registered clients, their
 * registration access tokens and accounts expires, and no index outlives what it indexes).
 */
describeWithRedis('the Redis key layout after real flows', 'redis-server-binary', () => {
  let redis: RedisServer;
  let server: TestGatehouse;
  let inspect: Redis;

  beforeAll(async () => {
    redis = await startRedisServer();
    server = await startTestGatehouse({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'layout:' });
    inspect = new Redis(redis.url);

    const confidential = await discoverClient(server.issuer, DEMO_CONFIDENTIAL.id, DEMO_CONFIDENTIAL.secret);
    const { tokens } = await signIn(confidential, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid offline_access', extra: { prompt: 'consent' } });
    await client.refreshTokenGrant(confidential, tokens.refresh_token!);
    await client.clientCredentialsGrant(confidential, { scope: 'api:read' });
    const publicClient = await discoverClient(server.issuer, DEMO_PUBLIC.id);
    await signIn(publicClient, { redirectUri: DEMO_PUBLIC.redirectUri, scope: 'openid' });
    await client.dynamicClientRegistration(new URL(server.issuer), { redirect_uris: ['https://rp.example.com/cb'] }, undefined, { execute: [client.allowInsecureRequests] });
  });
  afterAll(async () => {
    inspect?.disconnect();
    await server?.close();
    await redis?.close();
  });

  const LAYOUT: Array<{ pattern: RegExp; type: string; expires: boolean }> = [
    { pattern: /^layout:\{accounts\}:by-(id|username)$/, type: 'hash', expires: false },
    // Registered clients and their registration access tokens live until deleted (RFC 7592).
    { pattern: /^layout:(Client|RegistrationAccessToken):\{[^}]+\}$/, type: 'hash', expires: false },
    { pattern: /^layout:Session:uid:\{[^}]+\}$/, type: 'string', expires: true },
    { pattern: /^layout:DeviceCode:user-code:\{[^}]+\}$/, type: 'string', expires: true },
    { pattern: /^layout:grant-tokens:\{[^}]+\}$/, type: 'zset', expires: true },
    { pattern: /^layout:replay:\{[^}]+\}$/, type: 'string', expires: true },
    // The signing key set: one record, rewritten by rotation; retired keys are pruned from it.
    { pattern: /^layout:\{key-set\}$/, type: 'hash', expires: false },
    // Registration and device code entry throttling counters (rate-limiter-flexible), one per client address and window.
    { pattern: /^layout:rate-limit:(registration|device-code-entry):.+$/, type: 'string', expires: true },
    // Login throttle counters: every sign-in is counted before its password is checked.
    { pattern: /^layout:login-fail:(account:[A-Za-z0-9_-]{43}|address:.+)$/, type: 'string', expires: true },
    { pattern: /^layout:[A-Za-z]+:\{[^}]+\}$/, type: 'hash', expires: true },
  ];

  it('every key has a documented shape and type, and expires unless it is a registered client or the accounts', async () => {
    const keys = await inspect.keys('*');
    const seenModels = new Set(keys.map((key) => key.split(':')[1]));
    // (Finished interactions are deleted; JWT client-credentials tokens are not stored.)
    expect([...seenModels].sort()).toEqual(['AccessToken', 'AuthorizationCode', 'Client', 'Grant', 'RefreshToken', 'RegistrationAccessToken', 'Session', 'grant-tokens', 'login-fail', 'rate-limit', '{accounts}', '{key-set}']);
    for (const key of keys) {
      const rule = LAYOUT.find(({ pattern }) => pattern.test(key));
      expect({ key, documented: Boolean(rule) }).toEqual({ key, documented: true });
      const [type, ttl] = await Promise.all([inspect.type(key), inspect.pttl(key)]);
      expect({ key, type, expires: ttl > 0 }).toEqual({ key, type: rule!.type, expires: rule!.expires });
    }
  });

  it('no index outlives what it indexes', async () => {
    for (const key of await inspect.keys('layout:Session:uid:*')) {
      const sessionId = await inspect.get(key);
      const recordTtl = await inspect.pttl(`layout:Session:{${sessionId}}`);
      expect(await inspect.pttl(key)).toBeLessThanOrEqual(recordTtl + 1000);
    }
    for (const key of await inspect.keys('layout:grant-tokens:*')) {
      const members = await inspect.zrange(key, '0', '-1');
      const memberTtls = await Promise.all(members.map((member) => {
        const [model, id] = member.split(' ');
        return inspect.pttl(`layout:${model}:{${id}}`);
      }));
      // Revoked or rotated members are gone (-2) and pruned later; live ones bound the index.
      const longest = Math.max(...memberTtls);
      expect(await inspect.pttl(key)).toBeLessThanOrEqual(longest + 1000);
      expect(await inspect.pttl(key)).toBeGreaterThanOrEqual(longest - 1000);
    }
  });
});
