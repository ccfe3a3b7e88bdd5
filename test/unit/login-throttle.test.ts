import { describe, expect, it } from '@jest/globals';
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
