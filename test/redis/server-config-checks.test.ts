import { afterEach, expect, it } from '@jest/globals';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/start-gatehouse.js';
import { describeWithRedis } from '../helpers/test-stores.js';

/** What the boot says about Redis settings our guarantees depend on (docs/storage.md). */
describeWithRedis('Redis settings checked at boot', 'redis-server-binary', () => {
  let redis: RedisServer | undefined;
  let server: TestGatehouse | undefined;
  afterEach(async () => {
    await server?.close();
    await redis?.close();
  });

  const boot = async (args: string[], appendonly: boolean) => {
    redis = await startRedisServer({ args, appendonly });
    server = await startTestGatehouse({ REDIS_URL: redis.url });
    return server.logs.map((line) => JSON.parse(line) as { level: number; msg: string });
  };

  it('an eviction policy gets a loud error at boot: Redis could silently drop consumed-code markers', async () => {
    const logs = await boot(['--maxmemory-policy', 'allkeys-lru'], true);
    expect(logs).toContainEqual(expect.objectContaining({ level: 50, msg: expect.stringMatching(/^REDIS MISCONFIGURED: maxmemory-policy is "allkeys-lru", not "noeviction"/) }));
  });

  it('noeviction with append-only persistence boots without a storage warning', async () => {
    const logs = await boot([], true);
    expect(logs.filter((line) => /maxmemory-policy|appendonly|CONFIG/.test(line.msg))).toEqual([]);
  });

  it('Redis without append-only persistence gets a warning that a restart loses data', async () => {
    const logs = await boot([], false);
    expect(logs).toContainEqual(expect.objectContaining({ level: 40, msg: expect.stringContaining('append-only persistence is off') }));
  });
});
