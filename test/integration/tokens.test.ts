import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import * as client from 'openid-client';
import { Browser } from '../helpers/browser.js';
import { authorize, DEMO_CONFIDENTIAL, DEMO_PUBLIC, signIn } from '../helpers/oauth.js';
import { registerClient } from '../helpers/register-client.js';
import { basicAuth } from '../helpers/requests.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/start-gatehouse.js';
import { useGatehouse } from '../helpers/use-gatehouse.js';

const { server, clients } = useGatehouse({ clients: { confidential: DEMO_CONFIDENTIAL, public: DEMO_PUBLIC } });

const callApi = (path: string, token: string, init: RequestInit = {}) =>
  fetch(`${server.apiUrl}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } });

describe('client_credentials', () => {
  it('issues an RFC 9068 JWT access token for the protected API that it accepts', async () => {
    const tokens = await client.clientCredentialsGrant(clients.confidential, { scope: 'api:read', resource: server.apiUrl });
    expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ typ: 'at+jwt', alg: 'ES256' });
    expect(decodeJwt(tokens.access_token)).toMatchObject({
      iss: server.issuer, aud: server.apiUrl, client_id: DEMO_CONFIDENTIAL.id, sub: DEMO_CONFIDENTIAL.id, scope: 'api:read',
    });
    expect(tokens.refresh_token).toBeUndefined();

    const response = await callApi('/protected', tokens.access_token);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ client_id: DEMO_CONFIDENTIAL.id, scope: 'api:read' });
  });

  it('picks the resource server from the scope when the client names no resource', async () => {
    const tokens = await client.clientCredentialsGrant(clients.confidential, { scope: 'api:read api:write' });
    expect(decodeJwt(tokens.access_token).aud).toBe(server.apiUrl);
    const response = await callApi('/protected/messages', tokens.access_token, {
      method: 'POST', body: JSON.stringify({ text: 'hello' }), headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(201);
  });

  it('answers 403 insufficient_scope when the token lacks the route scope', async () => {
    const tokens = await client.clientCredentialsGrant(clients.confidential, { scope: 'api:read', resource: server.apiUrl });
    const response = await callApi('/protected/messages', tokens.access_token, {
      method: 'POST', body: JSON.stringify({ text: 'hello' }), headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer .*error="insufficient_scope".*scope="api:write"/);
  });

  it('refuses an unregistered resource with invalid_target', async () => {
    await expect(client.clientCredentialsGrant(clients.confidential, { scope: 'api:read', resource: 'https://elsewhere.example' }))
      .rejects.toMatchObject({ error: 'invalid_target' });
  });

  it('answers 401 invalid_client, identically, for an unknown client and a wrong secret', async () => {
    const request = (authorization: string) => fetch(`${server.issuer}/oauth/token`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    const wrongSecret = await request(`Basic ${Buffer.from('demo-confidential:wrong').toString('base64')}`);
    const unknown = await request(`Basic ${Buffer.from('nobody:wrong').toString('base64')}`);
    expect(wrongSecret.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrongSecret.json()).toEqual(await unknown.json());
  });

  it('marks token responses Cache-Control: no-store', async () => {
    const response = await fetch(`${server.issuer}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${DEMO_CONFIDENTIAL.id}:${DEMO_CONFIDENTIAL.secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials&scope=api:read',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });
});

describe('access tokens from the authorization-code flow', () => {
  it('is opaque without a resource, and a JWT for the protected API with one', async () => {
    const plain = await signIn(clients.confidential, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid' });
    expect(plain.tokens.access_token.split('.')).toHaveLength(1);

    const { tokens } = await signIn(clients.confidential, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid api:read', resource: server.apiUrl });
    const claims = decodeJwt(tokens.access_token);
    expect(claims).toMatchObject({ aud: server.apiUrl, scope: 'api:read', client_id: DEMO_CONFIDENTIAL.id });
    expect(claims.sub).toBe(tokens.claims()!.sub);
    expect((await callApi('/protected', tokens.access_token)).status).toBe(200);
  });
});

describe('refresh tokens', () => {
  it('rotate on every use; a reused one fails and revokes the whole grant', async () => {
    const { tokens } = await signIn(clients.public, {
      redirectUri: DEMO_PUBLIC.redirectUri, scope: 'openid offline_access api:read', resource: server.apiUrl, extra: { prompt: 'consent' },
    });
    const first = tokens.refresh_token!;
    const rotated = await client.refreshTokenGrant(clients.public, first);
    expect(rotated.refresh_token).toBeTruthy();
    expect(rotated.refresh_token).not.toBe(first);

    await expect(client.refreshTokenGrant(clients.public, first)).rejects.toMatchObject({ error: 'invalid_grant' });
    // Reuse means theft: the legitimate holder's newer token dies with the grant.
    await expect(client.refreshTokenGrant(clients.public, rotated.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('are not issued without offline_access', async () => {
    const { tokens } = await signIn(clients.public, { redirectUri: DEMO_PUBLIC.redirectUri, scope: 'openid' });
    expect(tokens.refresh_token).toBeUndefined();
  });
});

describe('authorization codes', () => {
  it('are single use: the second redemption fails with invalid_grant and revokes what the first issued', async () => {
    const { tokens, result } = await signIn(clients.confidential, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid offline_access', extra: { prompt: 'consent' } });
    await expect(client.authorizationCodeGrant(clients.confidential, result.callback, {
      pkceCodeVerifier: result.codeVerifier, expectedState: result.state, expectedNonce: result.nonce,
    })).rejects.toMatchObject({ error: 'invalid_grant' });

    const introspection = await client.tokenIntrospection(clients.confidential, tokens.access_token);
    expect(introspection.active).toBe(false);
    await expect(client.refreshTokenGrant(clients.confidential, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});

describe('introspection (RFC 7662) and revocation (RFC 7009)', () => {
  it('tells a client about its own token, and revocation makes it inactive', async () => {
    const { tokens } = await signIn(clients.confidential, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid profile' });
    const active = await client.tokenIntrospection(clients.confidential, tokens.access_token);
    expect(active).toMatchObject({ active: true, client_id: DEMO_CONFIDENTIAL.id, sub: tokens.claims()!.sub, scope: 'openid profile' });

    await client.tokenRevocation(clients.confidential, tokens.access_token);
    expect((await client.tokenIntrospection(clients.confidential, tokens.access_token)).active).toBe(false);
    await expect(client.fetchUserInfo(clients.confidential, tokens.access_token, tokens.claims()!.sub)).rejects.toBeDefined();
  });

  it('does not tell a client about another client\'s token', async () => {
    const { tokens } = await signIn(clients.public, { redirectUri: DEMO_PUBLIC.redirectUri, scope: 'openid' });
    const response = await client.tokenIntrospection(clients.confidential, tokens.access_token);
    expect(response.active).toBe(false);
  });
});

describe('a token is for one API (RFC 8707), with two resource servers', () => {
  const BILLING = 'https://billing.example.com';
  let twoApis: TestGatehouse;
  let dir: string;
  let config: client.Configuration;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-resources-'));
    await writeFile(join(dir, 'resources.json'), JSON.stringify([
      { audience: BILLING, scopes: { 'billing:read': 'Read your invoices' }, accessTokenFormat: 'opaque', accessTokenTTL: 900 },
      // Registered as https://reports.example.com (config/README.md).
      { audience: 'HTTPS://Reports.Example.com:443/', scopes: { 'reports:read': 'Read your reports' }, accessTokenFormat: 'opaque' },
    ]));
    twoApis = await startTestGatehouse({ RESOURCES_FILE: join(dir, 'resources.json') });
    config = await registerClient(twoApis.issuer, {
      redirect_uris: ['http://127.0.0.1:8085/cb'], grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      scope: 'openid offline_access api:read billing:read reports:read',
    });
  });
  afterAll(async () => {
    await twoApis.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('client_credentials with scopes of both and no resource is refused; with one API\'s scopes it is for that API', async () => {
    await expect(client.clientCredentialsGrant(config, { scope: 'api:read billing:read' })).rejects.toMatchObject({ error: 'invalid_target' });
    const billing = await client.clientCredentialsGrant(config, { scope: 'billing:read' });
    const introspected = await client.tokenIntrospection(config, billing.access_token);
    expect(introspected).toMatchObject({ active: true, aud: BILLING, scope: 'billing:read' });
  });

  it('an audience written with capitals, a default port or a trailing slash is registered, and named, in its normal form', async () => {
    const reports = await client.clientCredentialsGrant(config, { scope: 'reports:read', resource: 'https://reports.example.com' });
    expect(await client.tokenIntrospection(config, reports.access_token)).toMatchObject({ active: true, aud: 'https://reports.example.com' });
    // Resource indicators are compared exactly, as APIs compare `aud`; the refusal names the registered form.
    await expect(client.clientCredentialsGrant(config, { scope: 'reports:read', resource: 'https://Reports.Example.com/' }))
      .rejects.toMatchObject({ error: 'invalid_target', error_description: 'the requested resource is registered as https://reports.example.com: name it exactly so' });
  });

  it('an authorization request with scopes of both and no resource is refused', async () => {
    const result = await authorize(config, new Browser(), { redirectUri: 'http://127.0.0.1:8085/cb', scope: 'openid api:read billing:read' });
    expect(result.callback.searchParams.get('error')).toBe('invalid_target');
  });

  it('a token request naming two resources is refused: a token is for one of them', async () => {
    const { tokens } = await signIn(config, { redirectUri: 'http://127.0.0.1:8085/cb', scope: 'openid offline_access billing:read', resource: BILLING, extra: { prompt: 'consent' } });
    const both = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token! });
    both.append('resource', BILLING);
    both.append('resource', twoApis.apiUrl);
    const { client_id: id, client_secret: secret } = config.clientMetadata() as { client_id: string; client_secret: string };
    const refused = await fetch(`${twoApis.issuer}/oauth/token`, { method: 'POST', headers: { authorization: basicAuth(id, secret) }, body: both });
    expect([refused.status, (await refused.json() as { error: string }).error]).toEqual([400, 'invalid_target']);
  });
});
