import { afterAll, beforeAll, expect, it } from '@jest/globals';
import * as client from 'openid-client';
import { DEMO_CONFIDENTIAL, discoverClient, signIn } from '../helpers/oauth.js';
import { redisCli, startRedisSentinel, startRedisServer, waitFor, type RedisSentinel, type RedisServer } from '../helpers/redis-server.js';
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

  it('names the master Sentinel found when it warns about its settings', () => {
    const warning = server.logs.map((line) => JSON.parse(line) as { redis?: string; msg: string }).find((line) => line.msg.startsWith('Redis append-only persistence is off'));
    expect(warning?.redis).toBe(`127.0.0.1:${master.port}`);
  });
});

/**
 * A failover: Sentinel promotes the replica and announces it at once, but demotes the old master
 * only at its next check, up to about 10 s later, and the old master drops what it took meanwhile.
 */
describeWithRedis('Redis through Sentinel, across a failover', 'redis-server-binary', () => {
  let master: RedisServer;
  let replica: RedisServer;
  let sentinel: RedisSentinel;
  let server: TestGatehouse;

  beforeAll(async () => {
    master = await startRedisServer();
    replica = await startRedisServer({ args: ['--replicaof', '127.0.0.1', String(master.port)] });
    sentinel = await startRedisSentinel(master);
    await waitFor(async () => (await redisCli(sentinel.port, 'SENTINEL', 'replicas', sentinel.masterName)).includes(String(replica.port)), 20_000, 'sentinel to know the replica');
    // A replica syncs a few seconds after it starts (diskless sync waits for more replicas).
    await waitFor(async () => (await redisCli(replica.port, 'INFO', 'replication')).includes('master_link_status:up'), 20_000, 'the replica to sync');
    server = await startTestGatehouse({ REDIS_SENTINELS: `127.0.0.1:${sentinel.port}`, REDIS_SENTINEL_NAME: sentinel.masterName });
    await waitFor(async () => (await redisCli(replica.port, 'KEYS', '*accounts*')).includes('by-username'), 10_000, 'the demo user to reach the replica');
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await sentinel?.close();
    await replica?.close();
    await master?.close();
  });

  it('what is stored just after the switch goes to the new master and outlives the old one\'s demotion', async () => {
    const rp = await discoverClient(server.issuer, DEMO_CONFIDENTIAL.id, DEMO_CONFIDENTIAL.secret);
    await redisCli(sentinel.port, 'SENTINEL', 'FAILOVER', sentinel.masterName);
    await waitFor(async () => (await redisCli(sentinel.port, 'SENTINEL', 'get-master-addr-by-name', sentinel.masterName)).includes(String(replica.port)), 20_000, 'sentinel to switch masters');
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const { tokens } = await signIn(rp, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid offline_access', extra: { prompt: 'consent' } });
    await waitFor(async () => (await redisCli(master.port, 'ROLE')).startsWith('slave'), 30_000, 'sentinel to demote the old master');
    await new Promise((resolve) => setTimeout(resolve, 1000));

    expect(await client.tokenIntrospection(rp, tokens.refresh_token!)).toMatchObject({ active: true });
  }, 60_000);
});
