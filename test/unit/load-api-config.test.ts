import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load-config.js';
import { loadApiConfig } from '../../src/resource-server/load-api-config.js';

describe('loadApiConfig (the API on its own)', () => {
  it('reads the same variables as the built-in API, with the issuer\'s JWKS by default', () => {
    expect(loadApiConfig({ ISSUER: 'http://localhost:3000/', API_PORT: '4001', HOST: '0.0.0.0' })).toEqual({
      host: '0.0.0.0', port: 4001, issuer: 'http://localhost:3000', audience: 'http://localhost:4001',
      jwksUri: 'http://localhost:3000/oauth/jwks', trustProxy: false, redis: undefined, logLevel: 'info',
      metrics: { enabled: true, port: undefined, host: '0.0.0.0' },
    });
  });

  it('agrees with the authorization server on the issuer, the audience and the JWKS, however they are written', () => {
    const environments: Record<string, string>[] = [
      {},
      { PORT: '4370', API_PORT: '4371' },
      { ISSUER: 'http://localhost:4370', API_AUDIENCE: 'http://localhost:4371/' },
      { ISSUER: 'https://ID.example.com:443/auth/', API_AUDIENCE: 'https://API.example.com/v1/' },
      { ISSUER: 'https://id.example.com', API_JWKS_URI: 'https://id.example.com/oauth/jwks/' },
    ];
    for (const env of environments) {
      const server = loadConfig(env);
      const api = loadApiConfig(env);
      expect({ issuer: api.issuer, audience: api.audience, jwksUri: api.jwksUri, host: api.host, port: api.port }).toEqual({
        issuer: server.issuer, audience: server.api.audience, jwksUri: server.api.jwksUri ?? `${server.issuer}/oauth/jwks`,
        host: server.api.host, port: server.api.port,
      });
    }
  });

  it('reads TRUST_PROXY as the authorization server does (DPoP proofs name the URL the proxy was called at)', () => {
    for (const env of [{}, { TRUST_PROXY: '1' }, { TRUST_PROXY: 'true' }, { TRUST_PROXY: 'false' }]) {
      expect(loadApiConfig(env).trustProxy).toBe(loadConfig(env).trustProxy);
    }
    expect(loadApiConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
  });

  it('reads the Redis settings as the authorization server does, for the DPoP replay cache every instance shares', () => {
    const environments: Record<string, string>[] = [
      {},
      { REDIS_URL: 'rediss://user:secret@redis.example.com:6380/2', REDIS_KEY_PREFIX: 'prod:', REDIS_COMMAND_TIMEOUT_MS: '250' },
      { REDIS_CLUSTER_NODES: 'r1:7000,r2:7001', REDIS_TLS: 'true', REDIS_CONNECT_TIMEOUT_MS: '500' },
      { REDIS_SENTINELS: 's1,s2:26380', REDIS_SENTINEL_NAME: 'mymaster', REDIS_DB: '3', REDIS_SENTINEL_PASSWORD: 'x' },
    ];
    for (const env of environments) expect(loadApiConfig(env).redis).toEqual(loadConfig(env).redis);
    expect(loadApiConfig({ REDIS_URL: 'redis://127.0.0.1:6390', REDIS_KEY_PREFIX: 'a:' }).redis).toMatchObject({ keyPrefix: 'a:', topology: { kind: 'single' } });
  });

  it('serves its own metrics at /metrics, on METRICS_PORT when set, or not at all', () => {
    expect(loadApiConfig({ API_HOST: '0.0.0.0', METRICS_PORT: '9465', METRICS_HOST: '127.0.0.1' }).metrics).toEqual({ enabled: true, port: 9465, host: '127.0.0.1' });
    expect(loadApiConfig({ API_HOST: '0.0.0.0', METRICS_PORT: '9465' }).metrics).toEqual({ enabled: true, port: 9465, host: '0.0.0.0' });
    expect(loadApiConfig({ METRICS_ENABLED: 'false' }).metrics.enabled).toBe(false);
  });

  it('refuses port 0, and METRICS_PORT on its own port', () => {
    expect(() => loadApiConfig({ API_PORT: '0' })).toThrow(/API_PORT must be a whole number from 1 to 65535/);
    expect(() => loadApiConfig({ API_PORT: '4601', METRICS_PORT: '4601' })).toThrow(/METRICS_PORT must differ from API_PORT \(both 4601 on 127.0.0.1\)/);
  });

  it('needs no keys or store settings, even in production', () => {
    expect(loadApiConfig({ NODE_ENV: 'production', ISSUER: 'https://id.example.com', API_AUDIENCE: 'https://api.example.com' }))
      .toMatchObject({ audience: 'https://api.example.com', jwksUri: 'https://id.example.com/oauth/jwks' });
  });

  it('reports every bad value at once', () => {
    const error = (() => {
      try {
        loadApiConfig({
          API_PORT: 'x', ISSUER: 'nope', API_JWKS_URI: 'file:///etc/passwd', TRUST_PROXY: 'yes', REDIS_URL: 'http://redis',
          METRICS_PORT: '70000', METRICS_ENABLED: 'maybe',
        });
      } catch (thrown) {
        return thrown;
      }
      throw new Error('expected loadApiConfig to refuse this environment');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((problem) => problem.split(' ')[0])).toEqual(['API_PORT', 'ISSUER', 'API_JWKS_URI', 'TRUST_PROXY', 'REDIS_URL', 'METRICS_ENABLED', 'METRICS_PORT']);
  });
});
