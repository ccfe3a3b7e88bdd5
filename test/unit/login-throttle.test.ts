import { describe, expect, it } from '@jest/globals';
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

/** The same behaviour whichever store keeps the counters. */
function describeThrottle(name: string, make: () => LoginThrottle) {
  describe(`login throttle (${name})`, () => {
    it('lets an account fail up to its limit, then asks it to wait the rest of the window', async () => {
      const throttle = make();
      expect(await fail(throttle, 'alice', '192.0.2.1', 2)).toEqual([]);
      expect(await fail(throttle, 'alice', '192.0.2.1', 1)).toEqual(['account']);
      const wait = await waitFor(throttle, { username: 'alice', ip: '192.0.2.1' });
      expect(wait).toBeGreaterThan(50);
      expect(wait).toBeLessThanOrEqual(60);
      // From any other address too: the account is what is being guessed.
      expect(await waitFor(throttle, { username: 'alice', ip: '198.51.100.7' })).toBeGreaterThan(0);
    });

    it('lets only as many attempts through as the limit when they all come at once', async () => {
      const throttle = make();
      const admissions = await Promise.all(Array.from({ length: 20 }, () => throttle.admit({ username: 'hank', ip: '192.0.2.8' })));
      const through = admissions.filter((admission) => admission.retryAfterSeconds === 0);
      expect(through).toHaveLength(LIMITS.accountFailures);
      expect(through.flatMap((admission) => admission.lastTry)).toEqual(['account']);
      expect(await waitFor(throttle, { username: 'hank', ip: '198.51.100.8' })).toBeGreaterThan(0);
    });

    it('counts usernames as typed by their normalized form', async () => {
      const throttle = make();
      await fail(throttle, 'Bob', '192.0.2.2', 1);
      await fail(throttle, ' bob ', '192.0.2.3', 1);
      await fail(throttle, 'BOB', '192.0.2.4', 1);
      expect(await waitFor(throttle, { username: 'bob', ip: '192.0.2.5' })).toBeGreaterThan(0);
    });

    it('throttles one address trying many accounts (credential stuffing)', async () => {
      const throttle = make();
      const locked = [];
      for (let i = 0; i < LIMITS.addressFailures; i++) locked.push(...await fail(throttle, `user-${i}`, '203.0.113.9', 1));
      expect(locked).toEqual(['address']);
      expect(await waitFor(throttle, { username: 'someone-new', ip: '203.0.113.9' })).toBeGreaterThan(0);
      expect(await waitFor(throttle, { username: 'someone-new', ip: '203.0.113.10' })).toBe(0);
    });

    it('an attempt that has to wait is not counted: it uses up none of the account\'s tries', async () => {
      const throttle = make();
      for (let i = 0; i < LIMITS.addressFailures; i++) await fail(throttle, `user-${i}`, '203.0.113.20', 1);
      for (let i = 0; i < 5; i++) expect(await waitFor(throttle, { username: 'ivy', ip: '203.0.113.20' })).toBeGreaterThan(0);
      expect(await fail(throttle, 'ivy', '192.0.2.9', LIMITS.accountFailures)).toEqual(['account']);
    });

    it('a successful sign-in clears the account count, and gives the address back only its own try', async () => {
      const throttle = make();
      await fail(throttle, 'carol', '192.0.2.20', LIMITS.accountFailures - 1);
      expect(await waitFor(throttle, { username: 'carol', ip: '192.0.2.20' })).toBe(0);
      await throttle.succeeded({ username: 'carol', ip: '192.0.2.20' });
      expect(await fail(throttle, 'carol', '192.0.2.21', LIMITS.accountFailures - 1)).toEqual([]);
      // The address: two failures before, none for the success, three more lock it at five.
      expect(await fail(throttle, 'dan', '192.0.2.20', 2)).toEqual([]);
      expect(await fail(throttle, 'erin', '192.0.2.20', 1)).toEqual(['address']);
    });
  });
}

describeThrottle('in memory', () => createLoginThrottle(LIMITS));
