import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '../../src/config/config-error.js';
import { loadDemoConfig } from '../../src/demo/demo-config.js';

function problemsOf(env: Record<string, string>): string {
  try {
    loadDemoConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected loadDemoConfig to refuse this environment');
}

describe('loadDemoConfig', () => {
  it('defaults to the local development setup: Gatehouse on 3000, the API on 3001, the demo on 3002', () => {
    const config = loadDemoConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 3002,
      issuer: 'http://localhost:3000',
      issuerInternalUrl: undefined,
      clientId: undefined,
      apiUrl: 'http://localhost:3001',
      apiResource: 'http://localhost:3001',
      redirectUri: 'http://localhost:3002/callback',
      postLogoutRedirectUri: 'http://localhost:3002/',
      scope: 'openid profile email offline_access api:read api:write',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('takes the seeded client, a separate API address and resource, and an internal issuer address', () => {
    const config = loadDemoConfig({
      DEMO_CLIENT_ID: 'demo-confidential', DEMO_CLIENT_SECRET: 's3cret', DEMO_API_URL: 'http://api:3001',
      DEMO_API_RESOURCE: 'http://localhost:3001/', DEMO_ISSUER_INTERNAL_URL: 'http://gatehouse:3000', DEMO_PORT: '4002',
    });
    expect(config).toMatchObject({
      clientId: 'demo-confidential', clientSecret: 's3cret', apiUrl: 'http://api:3001', apiResource: 'http://localhost:3001',
      issuerInternalUrl: 'http://gatehouse:3000', redirectUri: 'http://localhost:4002/callback',
    });
  });

  it('keeps the redirect URI exactly as registered', () => {
    expect(loadDemoConfig({ DEMO_REDIRECT_URI: 'http://localhost:3002/cb/' }).redirectUri).toBe('http://localhost:3002/cb/');
  });

  it('reports every bad value at once', () => {
    const message = problemsOf({
      DEMO_PORT: 'eighty', DEMO_ISSUER: 'not a url', DEMO_API_URL: 'ftp://api', DEMO_CLIENT_SECRET: 'alone',
      DEMO_REDIRECT_URI: 'http://user:pw@localhost/callback', LOG_LEVEL: 'loud',
    });
    expect(message).toContain('DEMO_PORT must be a whole number');
    expect(message).toContain('DEMO_ISSUER must be an absolute URL');
    expect(message).toContain('DEMO_API_URL must be an http(s) URL');
    expect(message).toContain('DEMO_CLIENT_SECRET is set but DEMO_CLIENT_ID is not');
    expect(message).toContain('DEMO_REDIRECT_URI must not contain credentials');
    expect(message).toContain('LOG_LEVEL must be one of');
  });

  it('needs a secret with a client id (the demo is a confidential client)', () => {
    expect(problemsOf({ DEMO_CLIENT_ID: 'demo-confidential' })).toContain('DEMO_CLIENT_ID needs DEMO_CLIENT_SECRET');
  });
});
