import { afterEach, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import { Redis } from 'ioredis';
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

describeWithRedis('a Redis that cannot serve this configuration', 'redis-server-binary', () => {
  let redis: RedisServer | undefined;
  afterEach(() => redis?.close());
  const bootFailure = (env: Record<string, string>) => startTestGatehouse(env).then(async (server) => {
    await server.close();
    return 'started';
  }, (error: Error) => error.message);

  it('stops the boot when REDIS_URL names a database the server does not have, instead of writing into database 0', async () => {
    redis = await startRedisServer({ args: ['--databases', '4'] });
    expect(await bootFailure({ REDIS_URL: `${redis.url}/9` })).toMatch(/^Redis \(redis:\/\/[^)]+\/9\) has no database 9 \(ERR DB index is out of range\)/);
    const inspect = new Redis(redis.url);
    try {
      expect(await inspect.dbsize()).toBe(0);
    } finally {
      inspect.disconnect();
    }
  });

  it('stops the boot at once on a wrong password, saying what Redis answered and not the password', async () => {
    redis = await startRedisServer();
    const admin = new Redis(redis.url);
    await admin.config('SET', 'requirepass', 'the-right-one');
    admin.disconnect();
    const failure = await bootFailure({ REDIS_URL: redis.url.replace('redis://', 'redis://:hunter2@'), REDIS_CONNECT_TIMEOUT_MS: '60000' });
    expect(failure).toMatch(/refused the connection: WRONGPASS/);
    expect(failure).not.toContain('hunter2');
  });

  it('stops the boot at once when what answers is not Redis', async () => {
    const web = createServer((_request, response) => response.end('hello')).listen(0, '127.0.0.1');
    await new Promise((resolve) => web.once('listening', resolve));
    try {
      const { port } = web.address() as { port: number };
      expect(await bootFailure({ REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_CONNECT_TIMEOUT_MS: '60000' })).toMatch(/refused the connection/);
    } finally {
      web.closeAllConnections();
      web.close();
    }
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
