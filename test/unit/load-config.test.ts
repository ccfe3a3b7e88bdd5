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

  it('with Redis in production, needs KEYS_ENCRYPTION_KEY instead of SIGNING_KEYS (keys are generated into the store)', () => {
    const base = { NODE_ENV: 'production', ISSUER: 'https://id.example.com', COOKIE_KEYS: 'a'.repeat(32), REDIS_URL: 'redis://redis:6379' };
    const problems = problemsOf(base);
    expect(problems).toMatch(/KEYS_ENCRYPTION_KEY is required in production with REDIS_URL/);
    expect(problems).not.toMatch(/SIGNING_KEYS/);
    const config = loadConfig({ ...base, KEYS_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') });
    expect(config.keysEncryptionKeys).toHaveLength(1);
    expect(problemsOf({ KEYS_ENCRYPTION_KEY: 'c2hvcnQ=' })).toMatch(/KEYS_ENCRYPTION_KEY entry #1 must be 32 random bytes/);
  });

  it('opens registration in development, requires an initial access token in production, and never opens it there', () => {
    expect(loadConfig({}).registration).toBe('open');
    const production = { NODE_ENV: 'production', ISSUER: 'https://id.example.com', COOKIE_KEYS: 'a'.repeat(32), SIGNING_KEYS_FILE: '/run/jwks.json' };
    expect(loadConfig(production).registration).toBe('initial-access-token');
    expect(loadConfig({ ...production, REGISTRATION: 'closed' }).registration).toBe('closed');
    expect(problemsOf({ ...production, REGISTRATION: 'open' })).toMatch(/REGISTRATION must not be open in production/);
    expect(problemsOf({ REGISTRATION: 'sometimes' })).toMatch(/REGISTRATION must be one of open, initial-access-token, closed/);
  });

  it('never echoes a malformed REDIS_URL, which may hold a password', () => {
    const problems = problemsOf({ REDIS_URL: 'redis://:hunter2@[bad' });
    expect(problems).toMatch(/REDIS_URL must be an absolute URL/);
    expect(problems).not.toContain('hunter2');
  });
});
