import { afterEach, expect, it } from '@jest/globals';
import { freePort } from '../helpers/free-port.js';
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

describeWithRedis('a Redis that never answers at boot', 'redis', () => {
  it('stops the boot after REDIS_CONNECT_TIMEOUT_MS with a message naming where it looked, without the password', async () => {
    const port = await freePort();
    const started = performance.now();
    const failure = await startTestGatehouse({ REDIS_URL: `redis://:hunter2@127.0.0.1:${port}`, REDIS_CONNECT_TIMEOUT_MS: '500' }).then(() => undefined, (error: Error) => error.message);
    expect(failure).toMatch(new RegExp(`^Redis \\(redis://127\\.0\\.0\\.1:${port}/0\\) did not become ready within 500 ms`));
    expect(failure).not.toContain('hunter2');
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
