import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, findForm, type Page } from '../helpers/browser.js';
import { freePort } from '../helpers/free-port.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { authorizationUrl, pkcePair } from '../helpers/requests.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/start-gatehouse.js';
import { describeWithRedis } from '../helpers/test-stores.js';
import { createLoginThrottle, type LoginAttempt, type LoginThrottle } from '../../src/security/login-throttle.js';

const LIMITS = { accountFailures: 3, addressFailures: 5, windowSeconds: 60 };

/** Attempts with a wrong password: each must be let through; returns what they locked. */
async function fail(throttle: LoginThrottle, username: string, ip: string, times: number) {
  const locked = [];
  for (let i = 0; i < times; i++) {
    const admission = await throttle.admit({ username, ip });
    expect(admission.retryAfterSeconds).toBe(0);
    locked.push(...admission.lastTry);
  }
  return locked;
}

/** How long a new attempt must wait (0: it went ahead, and counts). */
const waitFor = async (throttle: LoginThrottle, attempt: LoginAttempt) => (await throttle.admit(attempt)).retryAfterSeconds;

describeWithRedis('login throttle counters in Redis', 'redis-server-binary', () => {
  let server: RedisServer;
  let redis: Redis;
  beforeAll(async () => {
    server = await startRedisServer();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.close();
  });

  it('counts an account across instances and locks it at the limit, from any address', async () => {
    const one = createLoginThrottle({ ...LIMITS, redis, keyPrefix: 'a:' });
    const two = createLoginThrottle({ ...LIMITS, redis, keyPrefix: 'a:' });
    expect(await fail(one, 'dave', '192.0.2.30', 2)).toEqual([]);
    expect(await fail(two, 'Dave ', '192.0.2.31', 1)).toEqual(['account']);
    const wait = await waitFor(one, { username: 'dave', ip: '198.51.100.1' });
    expect(wait).toBeGreaterThan(50);
    expect(wait).toBeLessThanOrEqual(60);
  });

  it('lets only as many attempts through as the limit when they come at once to several instances', async () => {
    const instances = [createLoginThrottle({ ...LIMITS, redis, keyPrefix: 'c:' }), createLoginThrottle({ ...LIMITS, redis, keyPrefix: 'c:' })];
    const admissions = await Promise.all(Array.from({ length: 20 }, (_, i) => instances[i % 2]!.admit({ username: 'hank', ip: `192.0.2.${100 + i}` })));
    expect(admissions.filter((admission) => admission.retryAfterSeconds === 0)).toHaveLength(LIMITS.accountFailures);
  });

  it('throttles one address across accounts, and a success clears only the account', async () => {
    const throttle = createLoginThrottle({ ...LIMITS, redis, keyPrefix: 'b:' });
    await fail(throttle, 'erin', '203.0.113.9', 2);
    expect(await waitFor(throttle, { username: 'erin', ip: '203.0.113.9' })).toBe(0);
    await throttle.succeeded({ username: 'erin', ip: '203.0.113.9' });
    expect(await fail(throttle, 'erin', '203.0.113.8', 1)).toEqual([]);
    expect(await fail(throttle, 'frank', '203.0.113.9', 3)).toEqual(['account', 'address']);
    expect(await waitFor(throttle, { username: 'someone-else', ip: '203.0.113.9' })).toBeGreaterThan(0);
  });

  it('keeps deployments apart by key prefix, and no username in any key', async () => {
    const other = createLoginThrottle({ ...LIMITS, redis, keyPrefix: 'other-deployment:' });
    expect(await waitFor(other, { username: 'dave', ip: '192.0.2.30' })).toBe(0);
    const keys = await redis.keys('*');
    expect(keys.every((key) => /^(a|b|c|other-deployment):login-fail:(account|address):/.test(key))).toBe(true);
    expect(keys.join(' ')).not.toMatch(/dave|erin|frank/i);
  });

  it('when Redis does not answer, says temporarily_unavailable instead of letting attempts through', async () => {
    const dead = new Redis({ port: await freePort(), host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    const throttle = createLoginThrottle({ ...LIMITS, redis: dead });
    await expect(throttle.admit({ username: 'gina', ip: '192.0.2.40' })).rejects.toMatchObject({ status: 503, error: 'temporarily_unavailable' });
    await expect(throttle.succeeded({ username: 'gina', ip: '192.0.2.40' })).rejects.toMatchObject({ status: 503 });
    dead.disconnect();
  });
});

describeWithRedis('two instances sharing one Redis share the login throttle', 'redis-server-binary', () => {
  let server: RedisServer;
  let a: TestGatehouse;
  let b: TestGatehouse;
  let dataDir: string;
  beforeAll(async () => {
    server = await startRedisServer();
    // One DATA_DIR: the second instance reads the development keys (and their sealing key) the first made.
    dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-shared-'));
    const env = { REDIS_URL: server.url, DATA_DIR: dataDir, LOGIN_MAX_FAILURES_PER_ACCOUNT: '3', LOGIN_MAX_FAILURES_PER_ADDRESS: '1000' };
    a = await startTestGatehouse(env);
    b = await startTestGatehouse(env);
  }, 30_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await server?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function attempt(instance: TestGatehouse, username: string): Promise<Page> {
    const browser = new Browser();
    const page = await browser.open(authorizationUrl(instance.issuer, { code_challenge: (await pkcePair()).challenge, code_challenge_method: 'S256' }));
    const form = findForm(page.html, '/login');
    const response = await browser.request(new URL(form.action, page.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...form.hidden, username, password: 'wrong' }),
    });
    return { url: page.url, status: response.status, headers: response.headers, html: await response.text() };
  }

  it('failures on one instance count on the other', async () => {
    expect((await attempt(a, 'demo')).status).toBe(401);
    expect((await attempt(b, 'demo')).status).toBe(401);
    expect((await attempt(a, 'demo')).status).toBe(401);
    const blocked = await attempt(b, 'demo');
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toBeTruthy();
  });
});

