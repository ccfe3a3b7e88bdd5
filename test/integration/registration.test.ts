import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { startTestGatehouse } from '../helpers/start-gatehouse.js';
import { describeWithRedis, useRedis } from '../helpers/test-stores.js';
import { useGatehouse } from '../helpers/use-gatehouse.js';

const { server } = useGatehouse({ env: { REGISTRATION_RATE_LIMIT: '50' } });

const register = (body: Record<string, unknown>, target = server) => fetch(`${target.issuer}/oauth/register`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

describe('dynamic client registration metadata (RFC 7591 §2)', () => {
  it('accepts https redirect URIs and http ones on a loopback address', async () => {
    const response = await register({ redirect_uris: ['https://app.example.com/cb', 'http://127.0.0.1:9000/cb', 'http://[::1]/cb'] });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ client_id: expect.any(String), client_secret: expect.any(String) });
  });

  it('refuses http redirect URIs off loopback, and fragments, with invalid_redirect_uri', async () => {
    for (const uri of ['http://app.example.com/cb', 'https://app.example.com/cb#frag', 'ftp://example.com/cb']) {
      const response = await register({ redirect_uris: [uri] });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_redirect_uri', error_description: expect.stringMatching(/^redirect_uris must/) });
    }
  });

  it('refuses a backchannel_logout_uri with a fragment (Back-Channel Logout §2.2)', async () => {
    const response = await register({ redirect_uris: ['https://app.example.com/cb'], backchannel_logout_uri: 'https://app.example.com/logout#frag' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_client_metadata', error_description: 'backchannel_logout_uri must not contain a fragment' });
  });

  it('refuses a backchannel_logout_uri with a user or password in it: no logout could be sent there, and it would be stored', async () => {
    const response = await register({ redirect_uris: ['https://app.example.com/cb'], backchannel_logout_uri: 'https://rp:s3cret@app.example.com/logout' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_client_metadata', error_description: 'backchannel_logout_uri must not contain credentials' });
  });

  it('logs the start of a refusal that quotes what the client sent, not 50 KB of it', async () => {
    const marker = `grant-${randomBytes(6).toString('hex')}-`;
    const response = await register({ redirect_uris: ['https://app.example.com/cb'], grant_types: ['authorization_code', marker.padEnd(50_000, 'Z')] });
    expect(response.status).toBe(400);
    const refusal = server.logs.find((line) => line.includes(marker));
    expect(refusal).toBeDefined();
    expect(JSON.parse(refusal!)).toMatchObject({ event: 'registration_create.error', error: 'invalid_client_metadata' });
    expect(refusal!.length).toBeLessThan(1000);
  });

  it('refuses grant types we do not support (implicit, password, JWT bearer)', async () => {
    for (const grant of ['implicit', 'password', 'urn:ietf:params:oauth:grant-type:jwt-bearer']) {
      const response = await register({ redirect_uris: ['https://app.example.com/cb'], grant_types: ['authorization_code', grant] });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_client_metadata', error_description: expect.stringMatching(/^grant_types may only contain/) });
    }
  });

  it('refuses client_credentials to a client that does not authenticate (RFC 6749 §4.4)', async () => {
    const service = { grant_types: ['client_credentials'], response_types: [], redirect_uris: [] };
    const response = await register({ ...service, token_endpoint_auth_method: 'none' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_client_metadata', error_description: expect.stringContaining('only for confidential clients') });

    const created = await (await register(service)).json() as Record<string, string>;
    const update = await fetch(created['registration_client_uri']!, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${created['registration_access_token']}` },
      body: JSON.stringify({ ...service, client_id: created['client_id'], token_endpoint_auth_method: 'none' }),
    });
    expect(update.status).toBe(400);
    expect(await update.json()).toMatchObject({ error: 'invalid_client_metadata' });
  });

  it('applies the same rules when a client updates itself (RFC 7592 §2.2)', async () => {
    const created = await (await register({ redirect_uris: ['https://app.example.com/cb'] })).json() as Record<string, string>;
    const response = await fetch(created['registration_client_uri']!, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${created['registration_access_token']}` },
      body: JSON.stringify({ client_id: created['client_id'], redirect_uris: ['http://evil.example.com/cb'] }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_redirect_uri' });
  });
});

describe('registration throttling', () => {
  it('answers 429 with Retry-After once an address exceeds REGISTRATION_RATE_LIMIT per hour', async () => {
    const limited = await startTestGatehouse({ REGISTRATION_RATE_LIMIT: '3' });
    try {
      // Every spelling oidc-provider's router takes (any letter case, a trailing slash) counts.
      const statuses = [];
      for (const path of ['/oauth/register', '/oauth/REGISTER', '/OAuth/Register/', '/oauth/register']) {
        const response = await fetch(`${limited.issuer}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: ['https://app.example.com/cb'] }) });
        statuses.push(response.status);
      }
      expect(statuses).toEqual([201, 201, 201, 429]);
      const refused = await register({ redirect_uris: ['https://app.example.com/cb'] }, limited);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await refused.json()).toMatchObject({ error: 'temporarily_unavailable' });
      // Other endpoints are not throttled by it.
      expect((await fetch(`${limited.issuer}/.well-known/openid-configuration`)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('counts registrations only: a client reading and updating its registration (RFC 7592) is not refused', async () => {
    const limited = await startTestGatehouse({ REGISTRATION_RATE_LIMIT: '2' });
    try {
      const created = await (await register({ redirect_uris: ['https://app.example.com/cb'] }, limited)).json() as Record<string, string>;
      const manage = (init: RequestInit = {}) => fetch(created['registration_client_uri']!, {
        ...init, headers: { 'content-type': 'application/json', authorization: `Bearer ${created['registration_access_token']}` },
      });
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await manage()).status);
      statuses.push((await manage({ method: 'PUT', body: JSON.stringify({ client_id: created['client_id'], redirect_uris: ['https://app.example.com/cb2'] }) })).status);

      expect(statuses).toEqual([200, 200, 200, 200]);
      expect((await register({ redirect_uris: ['https://app.example.com/cb'] }, limited)).status).toBe(201);
    } finally {
      await limited.close();
    }
  });
});

describeWithRedis('registration throttling across instances', 'redis', () => {
  const redis = useRedis('redis');

  it('counts an address\'s registrations in Redis, so the limit holds whichever instance answers', async () => {
    // One deployment: the instances share the store and the key that seals its signing keys.
    const env = { ...redis.env(), REGISTRATION_RATE_LIMIT: '3', KEYS_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
    const a = await startTestGatehouse(env);
    const b = await startTestGatehouse(env).catch(async (error: unknown) => {
      await a.close();
      throw error;
    });
    try {
      const body = { redirect_uris: ['https://app.example.com/cb'] };
      const statuses = [
        (await register(body, a)).status, (await register(body, b)).status, (await register(body, a)).status, (await register(body, b)).status,
      ];
      expect(statuses).toEqual([201, 201, 201, 429]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('registration modes', () => {
  it('initial-access-token: registering without one gets 401 invalid_token', async () => {
    const guarded = await startTestGatehouse({ REGISTRATION: 'initial-access-token' });
    try {
      const response = await register({ redirect_uris: ['https://app.example.com/cb'] }, guarded);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: 'invalid_token' });
    } finally {
      await guarded.close();
    }
  });

  it('closed: the endpoint does not exist and discovery does not advertise it', async () => {
    const closed = await startTestGatehouse({ REGISTRATION: 'closed' });
    try {
      expect((await register({ redirect_uris: ['https://app.example.com/cb'] }, closed)).status).toBe(404);
      const metadata = await (await fetch(`${closed.issuer}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
      expect(metadata['registration_endpoint']).toBeUndefined();
    } finally {
      await closed.close();
    }
  });
});
