import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from '../helpers/free-port.js';
import { createLoginThrottle, type LoginThrottle } from '../../src/security/login-throttle.js';

const LIMITS = { accountFailures: 3, addressFailures: 5, windowSeconds: 60 };

async function fail(throttle: LoginThrottle, username: string, ip: string, times: number) {
  const locked = [];
  for (let i = 0; i < times; i++) locked.push(...await throttle.failed({ username, ip }));
  return locked;
}

/** The same behaviour whichever store keeps the counters. */
function describeThrottle(name: string, make: () => LoginThrottle) {
  describe(`login throttle (${name})`, () => {
    it('lets an account fail up to its limit, then asks it to wait the rest of the window', async () => {
      const throttle = make();
      const attempt = { username: 'alice', ip: '192.0.2.1' };
      expect(await fail(throttle, 'alice', '192.0.2.1', 2)).toEqual([]);
      expect(await throttle.retryAfter(attempt)).toBe(0);
      expect(await fail(throttle, 'alice', '192.0.2.1', 1)).toEqual(['account']);
      const wait = await throttle.retryAfter(attempt);
      expect(wait).toBeGreaterThan(50);
      expect(wait).toBeLessThanOrEqual(60);
      // From any other address too: the account is what is being guessed.
      expect(await throttle.retryAfter({ username: 'alice', ip: '198.51.100.7' })).toBeGreaterThan(0);
    });

    it('counts usernames as typed by their normalized form', async () => {
      const throttle = make();
      await fail(throttle, 'Bob', '192.0.2.2', 1);
      await fail(throttle, ' bob ', '192.0.2.3', 1);
      await fail(throttle, 'BOB', '192.0.2.4', 1);
      expect(await throttle.retryAfter({ username: 'bob', ip: '192.0.2.5' })).toBeGreaterThan(0);
    });

    it('throttles one address trying many accounts (credential stuffing)', async () => {
      const throttle = make();
      const locked = [];
      for (let i = 0; i < LIMITS.addressFailures; i++) locked.push(...await fail(throttle, `user-${i}`, '203.0.113.9', 1));
      expect(locked).toEqual(['address']);
      expect(await throttle.retryAfter({ username: 'someone-new', ip: '203.0.113.9' })).toBeGreaterThan(0);
      expect(await throttle.retryAfter({ username: 'someone-new', ip: '203.0.113.10' })).toBe(0);
    });

    it('a successful sign-in clears the account count but not the address count', async () => {
      const throttle = make();
      await fail(throttle, 'carol', '192.0.2.20', LIMITS.accountFailures - 1);
      await throttle.succeeded({ username: 'carol', ip: '192.0.2.20' });
      expect(await fail(throttle, 'carol', '192.0.2.21', LIMITS.accountFailures - 1)).toEqual([]);
      expect(await throttle.retryAfter({ username: 'carol', ip: '192.0.2.21' })).toBe(0);
    });
  });
}

describeThrottle('in memory', () => createLoginThrottle(LIMITS));

let redisProcess: ChildProcess | undefined;
let redis: Redis | undefined;

beforeAll(async () => {
  const port = await freePort();
  redisProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    redisProcess!.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    });
    redisProcess!.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output}`)));
  });
  redis = new Redis({ port, host: '127.0.0.1' });
  await redis.ping();
});
afterAll(async () => {
  redis?.disconnect();
  redisProcess?.kill();
});

// The tests above use distinct usernames and addresses, so they share one Redis without flushing.
describeThrottle('in Redis', () => createLoginThrottle({ ...LIMITS, redis: redis! }));

describe('login throttle (in Redis)', () => {
  it('two instances sharing Redis see each other\'s failures', async () => {
    await redis!.flushall();
    const one = createLoginThrottle({ ...LIMITS, redis: redis! });
    const two = createLoginThrottle({ ...LIMITS, redis: redis! });
    await fail(one, 'dave', '192.0.2.30', 2);
    await fail(two, 'dave', '192.0.2.31', 1);
    expect(await one.retryAfter({ username: 'dave', ip: '192.0.2.32' })).toBeGreaterThan(0);
  });

  it('keeps no username in Redis keys', async () => {
    const keys = await redis!.keys('*');
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.join(' ')).not.toMatch(/dave/);
  });

  it('when Redis is gone, answers temporarily_unavailable instead of letting attempts through', async () => {
    const port = await freePort();
    const dead = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    const throttle = createLoginThrottle({ ...LIMITS, redis: dead });
    await expect(throttle.retryAfter({ username: 'erin', ip: '192.0.2.40' })).rejects.toMatchObject({ status: 503, error: 'temporarily_unavailable' });
    dead.disconnect();
  });
});
