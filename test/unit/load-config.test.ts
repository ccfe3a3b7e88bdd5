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
      redis: undefined,
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

  it('writes the API\'s resource identifier as it writes the issuer: no trailing slash, lower-case host, no default port', () => {
    expect(loadConfig({ API_AUDIENCE: 'http://localhost:4371/' }).api.audience).toBe('http://localhost:4371');
    expect(loadConfig({ API_AUDIENCE: 'https://API.example.com:443/v1/' }).api.audience).toBe('https://api.example.com/v1');
    expect(loadConfig({ ISSUER: 'https://ID.example.com:443/' }).issuer).toBe('https://id.example.com');
    expect(problemsOf({ API_AUDIENCE: 'https://api.example.com/?v=1#top' })).toMatch(/API_AUDIENCE must not have a query or fragment/);
  });

  it('reports every bad value in one error', () => {
    const problems = problemsOf({ PORT: 'eighty', NODE_ENV: 'staging', ISSUER: 'not a url', TRUST_PROXY: 'maybe', REDIS_URL: 'http://x' });
    expect(problems).toMatch(/PORT must be a whole number/);
    expect(problems).toMatch(/NODE_ENV must be/);
    expect(problems).toMatch(/ISSUER must be an absolute http\(s\) URL/);
    expect(problems).toMatch(/TRUST_PROXY must be true or false/);
    expect(problems).toMatch(/REDIS_URL must start with redis/);
  });

  it('refuses an issuer that is not an http(s) URL: relying parties fetch discovery from it', () => {
    expect(problemsOf({ ISSUER: 'javascript:alert(1)' })).toMatch(/ISSUER must be an absolute http\(s\) URL \(got "javascript:alert\(1\)"\)/);
    expect(problemsOf({ ISSUER: 'ftp://example.com/' })).toMatch(/ISSUER must be an absolute http\(s\) URL/);
    expect(problemsOf({ API_AUDIENCE: 'urn:example:api' })).toMatch(/API_AUDIENCE must be an absolute http\(s\) URL/);
  });

  it('refuses COOKIE_KEYS that list no key, in development as in production', () => {
    expect(problemsOf({ COOKIE_KEYS: ',' })).toMatch(/COOKIE_KEYS must be comma-separated random strings of at least 32 characters each/);
    const production = { NODE_ENV: 'production', ISSUER: 'https://id.example.com', SIGNING_KEYS_FILE: '/run/jwks.json' };
    expect(problemsOf({ ...production, COOKIE_KEYS: ' , ' })).toMatch(/COOKIE_KEYS must be comma-separated random strings/);
  });

  it('refuses to start production without keys, with an http issuer, or with the demo seed', () => {
    const problems = problemsOf({ NODE_ENV: 'production', ISSUER: 'http://id.example.com', SEED_DEMO: 'true' });
    expect(problems).toMatch(/ISSUER must use https in production/);
    expect(problems).toMatch(/SEED_DEMO must not be true in production/);
    expect(problems).toMatch(/COOKIE_KEYS is required in production: generate one with/);
    expect(problems).toMatch(/SIGNING_KEYS or SIGNING_KEYS_FILE is required in production/);
  });

  it('says how to generate signing keys with a command whose output is the JWKS alone, also in the Docker image', () => {
    const problems = problemsOf({ NODE_ENV: 'production', ISSUER: 'https://id.example.com', COOKIE_KEYS: 'a'.repeat(32) });
    // Without --silent, npm writes its own header into jwks.json; the image cannot build, only run dist/.
    expect(problems).toContain('generate a JWKS with `npm run --silent keys:generate > jwks.json` (with the Docker image: `docker run --rm IMAGE node dist/cli/generate-keys.js > jwks.json`)');
  });

  it('lets production run on an http issuer when ALLOW_HTTP_ISSUER is true or 1, like every boolean, and reports any other value', () => {
    const production = { NODE_ENV: 'production', ISSUER: 'http://id.internal.example', COOKIE_KEYS: 'a'.repeat(32), SIGNING_KEYS_FILE: '/run/jwks.json' };
    expect(loadConfig({ ...production, ALLOW_HTTP_ISSUER: 'true' }).issuer).toBe('http://id.internal.example');
    expect(loadConfig({ ...production, ALLOW_HTTP_ISSUER: '1' }).issuer).toBe('http://id.internal.example');
    expect(problemsOf({ ...production, ALLOW_HTTP_ISSUER: '0' })).toMatch(/ISSUER must use https in production/);
    expect(problemsOf({ ALLOW_HTTP_ISSUER: 'garbage' })).toMatch(/ALLOW_HTTP_ISSUER must be true or false \(got "garbage"\)/);
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
    expect(problems).toMatch(/KEYS_ENCRYPTION_KEY is required in production with Redis/);
    expect(problems).not.toMatch(/SIGNING_KEYS/);
    const config = loadConfig({ ...base, KEYS_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') });
    expect(config.keysEncryptionKeys).toHaveLength(1);
    expect(problemsOf({ KEYS_ENCRYPTION_KEY: 'c2hvcnQ=' })).toMatch(/KEYS_ENCRYPTION_KEY entry #1 must be 32 random bytes/);
  });

  it('for the admin CLI in production, needs only what it uses: Redis and KEYS_ENCRYPTION_KEY, not COOKIE_KEYS or an https ISSUER', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const cli = { NODE_ENV: 'production', REDIS_URL: 'redis://redis:6379', KEYS_ENCRYPTION_KEY: key };
    expect(loadConfig(cli, undefined, { for: 'cli' })).toMatchObject({ env: 'production', redis: expect.anything(), keysEncryptionKeys: [key] });
    // The servers' own checks stay: the same environment does not start a server.
    expect(problemsOf(cli)).toMatch(/ISSUER must use https in production[\s\S]*COOKIE_KEYS is required in production/);
    // What it uses is still required and checked.
    const { KEYS_ENCRYPTION_KEY: _key, ...withoutKey } = cli;
    expect(() => loadConfig(withoutKey, undefined, { for: 'cli' })).toThrow(/KEYS_ENCRYPTION_KEY is required in production with Redis/);
    expect(() => loadConfig({ ...cli, REGISTRATION: 'open' }, undefined, { for: 'cli' })).toThrow(/REGISTRATION must not be open in production/);
  });

  it('opens registration in development, requires an initial access token in production, and never opens it there', () => {
    expect(loadConfig({}).registration).toBe('open');
    const production = { NODE_ENV: 'production', ISSUER: 'https://id.example.com', COOKIE_KEYS: 'a'.repeat(32), SIGNING_KEYS_FILE: '/run/jwks.json' };
    expect(loadConfig(production).registration).toBe('initial-access-token');
    expect(loadConfig({ ...production, REGISTRATION: 'closed' }).registration).toBe('closed');
    expect(problemsOf({ ...production, REGISTRATION: 'open' })).toMatch(/REGISTRATION must not be open in production/);
    expect(problemsOf({ REGISTRATION: 'sometimes' })).toMatch(/REGISTRATION must be one of open, initial-access-token, closed/);
  });

  it('refuses a REDIS_URL without a host, which would quietly mean localhost:6379', () => {
    for (const url of ['redis://', 'redis:///2', 'rediss:///0']) {
      expect([url, problemsOf({ REDIS_URL: url })]).toEqual([url, expect.stringMatching(/REDIS_URL must name a host/)]);
    }
  });

  it('never echoes a malformed REDIS_URL, which may hold a password', () => {
    const problems = problemsOf({ REDIS_URL: 'redis://:hunter2@[bad' });
    expect(problems).toMatch(/REDIS_URL must be an absolute URL/);
    expect(problems).not.toContain('hunter2');
  });

  describe('Redis', () => {
    it('reads a single node from REDIS_URL, with bounded timeouts and a key prefix by default', () => {
      const { redis } = loadConfig({ REDIS_URL: 'redis://cache.internal:6380/2' });
      expect(redis).toEqual({
        topology: { kind: 'single', node: { host: 'cache.internal', port: 6380 }, db: 2 },
        username: undefined,
        password: undefined,
        sentinelPassword: undefined,
        tls: false,
        keyPrefix: 'gatehouse:',
        commandTimeoutMs: 1000,
        connectTimeoutMs: 10000,
      });
      expect(Object.isFrozen(redis!.topology)).toBe(true);
    });

    it('takes credentials and TLS from a rediss:// URL', () => {
      const { redis } = loadConfig({ REDIS_URL: 'rediss://app:s%40cret@[::1]:7000' });
      expect(redis).toMatchObject({ topology: { node: { host: '::1', port: 7000 }, db: 0 }, username: 'app', password: 's@cret', tls: true });
    });

    it('reads a cluster from a list of seed nodes, with credentials from REDIS_USERNAME and REDIS_PASSWORD', () => {
      const { redis } = loadConfig({
        REDIS_CLUSTER_NODES: 'r1:7000, r2:7001,[fd00::3]', REDIS_USERNAME: 'app', REDIS_PASSWORD: 'pw', REDIS_TLS: 'true', REDIS_KEY_PREFIX: 'gh:',
      });
      expect(redis).toMatchObject({
        topology: { kind: 'cluster', nodes: [{ host: 'r1', port: 7000 }, { host: 'r2', port: 7001 }, { host: 'fd00::3', port: 6379 }] },
        username: 'app', password: 'pw', tls: true, keyPrefix: 'gh:',
      });
    });

    it('reads Sentinel addresses and the master group name', () => {
      const { redis } = loadConfig({ REDIS_SENTINELS: 's1,s2:26380', REDIS_SENTINEL_NAME: 'mymaster', REDIS_SENTINEL_PASSWORD: 'spw', REDIS_DB: '1' });
      expect(redis).toMatchObject({
        topology: { kind: 'sentinel', name: 'mymaster', db: 1, sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26380 }] },
        sentinelPassword: 'spw',
      });
    });

    it('reports every bad Redis value in the one error', () => {
      const problems = problemsOf({
        REDIS_URL: 'redis://a:6379',
        REDIS_CLUSTER_NODES: 'a:1,b:99999,c d',
        REDIS_KEY_PREFIX: 'app{x}',
        REDIS_COMMAND_TIMEOUT_MS: '5',
        REDIS_CONNECT_TIMEOUT_MS: 'soon',
        REDIS_TLS: 'yes',
        REDIS_SENTINEL_NAME: 'orphan',
      });
      expect(problems).toMatch(/set only one of REDIS_URL, REDIS_CLUSTER_NODES and REDIS_SENTINELS/);
      expect(problems).toMatch(/REDIS_KEY_PREFIX must be 1 to 64 characters/);
      expect(problems).toMatch(/REDIS_COMMAND_TIMEOUT_MS must be a whole number from 50 to 60000/);
      expect(problems).toMatch(/REDIS_CONNECT_TIMEOUT_MS must be a whole number/);
      expect(problems).toMatch(/REDIS_TLS must be true or false/);
      expect(problems).toMatch(/REDIS_SENTINEL_NAME is set but REDIS_SENTINELS is not/);
    });

    it('names each bad seed node, and requires the Sentinel master name', () => {
      expect(problemsOf({ REDIS_CLUSTER_NODES: 'a:1,b:99999,c d' })).toMatch(/REDIS_CLUSTER_NODES must be a comma-separated list of host:port \(got "b:99999"\)[\s\S]*got "c d"/);
      expect(problemsOf({ REDIS_SENTINELS: 's1' })).toMatch(/REDIS_SENTINEL_NAME is required with REDIS_SENTINELS/);
      expect(problemsOf({ REDIS_URL: 'redis://a/99' })).toMatch(/database number from 0 to 15/);
      expect(problemsOf({ REDIS_URL: 'redis://:x@a', REDIS_PASSWORD: 'y' })).toMatch(/REDIS_URL or REDIS_PASSWORD, not both/);
      expect(problemsOf({ REDIS_CLUSTER_NODES: 'a:1', REDIS_DB: '2' })).toMatch(/Redis Cluster has only database 0/);
      expect(problemsOf({ REDIS_URL: 'redis://a', REDIS_DB: '2' })).toMatch(/put the database in its path/);
    });

    it('never echoes a password, wherever it was put', () => {
      const problems = [
        problemsOf({ REDIS_URL: 'http://:hunter2@a' }),
        problemsOf({ REDIS_CLUSTER_NODES: 'redis://:hunter2@a:7000' }),
        problemsOf({ REDIS_SENTINELS: ':hunter2@s1', REDIS_SENTINEL_NAME: 'm' }),
      ].join('\n');
      expect(problems).toMatch(/REDIS_URL must start with redis/);
      expect(problems).toMatch(/REDIS_CLUSTER_NODES must be .* \(got an entry with credentials/);
      expect(problems).not.toContain('hunter2');
    });
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
