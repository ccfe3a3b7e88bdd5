import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { DEMO_CONFIDENTIAL, discoverClient, signIn } from '../helpers/oauth.js';
import { startRedisSentinel, startRedisServer, type RedisSentinel, type RedisServer } from '../helpers/redis-server.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/start-gatehouse.js';
import { describeWithRedis } from '../helpers/test-stores.js';

/** REDIS_SENTINELS + REDIS_SENTINEL_NAME: the master is found through Sentinel. */
describeWithRedis('Redis through Sentinel', 'redis-server-binary', () => {
  let master: RedisServer;
  let sentinel: RedisSentinel;
  let server: TestGatehouse;

  beforeAll(async () => {
    master = await startRedisServer();
    sentinel = await startRedisSentinel(master);
    server = await startTestGatehouse({ REDIS_SENTINELS: `127.0.0.1:${sentinel.port}`, REDIS_SENTINEL_NAME: sentinel.masterName });
  }, 30_000);
  afterAll(async () => {
    await server?.close();
    await sentinel?.close();
    await master?.close();
  });

  it('signs in with everything stored on the master Sentinel names', async () => {
    expect(server.store).toBe('redis-sentinel');
    const rp = await discoverClient(server.issuer, DEMO_CONFIDENTIAL.id, DEMO_CONFIDENTIAL.secret);
    const { tokens } = await signIn(rp, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid' });
    expect(tokens.access_token).toBeTruthy();
    expect(await (await fetch(`${server.issuer}/readyz`)).json()).toMatchObject({ status: 'ready', store: 'redis', storeReady: true });
  });
});
