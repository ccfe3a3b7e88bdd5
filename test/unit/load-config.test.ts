import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load-config.js';

/** The problems loadConfig reports for this environment; fails the test when it accepts it. */
function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected loadConfig to refuse this environment');
}

describe('loadConfig', () => {
  it('starts on the embedded defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      env: 'development',
      port: 3000,
      issuer: 'http://localhost:3000',
      redisUrl: undefined,
      seedDemo: true,
      api: { port: 3001, audience: 'http://localhost:3001', enabled: true },
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.api)).toBe(true);
  });

  it('derives the default issuer from PORT and strips a trailing slash from ISSUER', () => {
    expect(loadConfig({ PORT: '4000' }).issuer).toBe('http://localhost:4000');
    expect(loadConfig({ ISSUER: 'https://id.example.com/auth/' }).issuer).toBe('https://id.example.com/auth');
  });

  it('reports every bad value in one error', () => {
    const problems = problemsOf({ PORT: 'eighty', NODE_ENV: 'staging', ISSUER: 'not a url', TRUST_PROXY: 'maybe', REDIS_URL: 'http://x' });
    expect(problems).toMatch(/PORT must be a whole number/);
    expect(problems).toMatch(/NODE_ENV must be/);
    expect(problems).toMatch(/ISSUER must be an absolute URL/);
    expect(problems).toMatch(/TRUST_PROXY must be true or false/);
    expect(problems).toMatch(/REDIS_URL must start with redis/);
  });

  it('refuses to start production without keys, with an http issuer, or with the demo seed', () => {
    const problems = problemsOf({ NODE_ENV: 'production', ISSUER: 'http://id.example.com', SEED_DEMO: 'true' });
    expect(problems).toMatch(/ISSUER must use https in production/);
    expect(problems).toMatch(/SEED_DEMO must not be true in production/);
    expect(problems).toMatch(/COOKIE_KEYS is required in production: generate one with/);
    expect(problems).toMatch(/SIGNING_KEYS or SIGNING_KEYS_FILE is required in production/);
  });

  it('accepts a complete production configuration without the demo seed', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      ISSUER: 'https://id.example.com',
      COOKIE_KEYS: 'a'.repeat(32),
      SIGNING_KEYS_FILE: '/run/secrets/jwks.json',
    });
    expect(config.seedDemo).toBe(false);
    expect(config.cookieKeys).toEqual(['a'.repeat(32)]);
  });

  it('never echoes a malformed REDIS_URL, which may hold a password', () => {
    const problems = problemsOf({ REDIS_URL: 'redis://:hunter2@[bad' });
    expect(problems).toMatch(/REDIS_URL must be an absolute URL/);
    expect(problems).not.toContain('hunter2');
  });

  it('throttles failed sign-ins at 10 per account and 100 per address in 15 minutes unless told otherwise', () => {
    expect(loadConfig({}).loginThrottle).toEqual({ accountFailures: 10, addressFailures: 100, windowSeconds: 900 });
    expect(loadConfig({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '5', LOGIN_MAX_FAILURES_PER_ADDRESS: '50', LOGIN_THROTTLE_SECONDS: '60' }).loginThrottle)
      .toEqual({ accountFailures: 5, addressFailures: 50, windowSeconds: 60 });
    const problems = problemsOf({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '0', LOGIN_THROTTLE_SECONDS: 'soon' });
    expect(problems).toMatch(/LOGIN_MAX_FAILURES_PER_ACCOUNT must be a whole number from 1/);
    expect(problems).toMatch(/LOGIN_THROTTLE_SECONDS must be a whole number/);
  });
});
