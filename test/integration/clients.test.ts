import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as client from 'openid-client';
import { Browser } from '../helpers/browser.js';
import { authorize, discoverClient, signIn } from '../helpers/oauth.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/start-gatehouse.js';

let server: TestGatehouse;
let dir: string;

const FIRST_PARTY = {
  client_id: 'our-portal',
  client_secret: 'a-test-secret-that-is-long-enough-0000',
  client_name: 'Our Portal',
  redirect_uris: ['http://localhost:8081/cb'],
  first_party: true,
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-clients-'));
  await writeFile(join(dir, 'clients.json'), JSON.stringify([FIRST_PARTY]));
  server = await startTestGatehouse({ CLIENTS_FILE: join(dir, 'clients.json') });
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('static clients from CLIENTS_FILE', () => {
  it('a first-party client skips the consent page (the grant is still recorded)', async () => {
    const config = await discoverClient(server.issuer, FIRST_PARTY.client_id, FIRST_PARTY.client_secret);
    const browser = new Browser();
    const codeVerifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: FIRST_PARTY.redirect_uris[0]!, scope: 'openid profile',
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier), code_challenge_method: 'S256',
    });
    const loginPage = await browser.open(url);
    expect(loginPage.html).toContain('Our Portal');
    const landed = await browser.submit(loginPage, '/login', { username: 'demo', password: 'demo' }, (next) => next.port === '8081');
    expect(landed.url.searchParams.get('code')).toBeTruthy();

    const tokens = await client.authorizationCodeGrant(config, landed.url, { pkceCodeVerifier: codeVerifier, idTokenExpected: true });
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
    expect(userinfo['preferred_username']).toBe('demo');
  });
});

describe('the example configuration files (config/*.example.json)', () => {
  it('start a server as they are, and their machine client gets a token and introspects', async () => {
    const examples = await startTestGatehouse({
      SEED_DEMO: 'false', CLIENTS_FILE: 'config/clients.example.json', RESOURCES_FILE: 'config/resources.example.json',
    });
    try {
      const auth = { authorization: `Basic ${Buffer.from('orders-api:replace-with-the-output-of-openssl-rand-base64url-32').toString('base64')}` };
      const token = await fetch(`${examples.issuer}/oauth/token`, { method: 'POST', headers: auth, body: new URLSearchParams({ grant_type: 'client_credentials' }) });
      const { access_token: accessToken } = await token.json() as { access_token: string };
      expect(token.status).toBe(200);
      const introspection = await fetch(`${examples.issuer}/oauth/introspect`, { method: 'POST', headers: auth, body: new URLSearchParams({ token: accessToken }) });
      expect(await introspection.json()).toMatchObject({ active: true, client_id: 'orders-api' });
    } finally {
      await examples.close();
    }
  });
});

describe('dynamic client registration (RFC 7591), open in development', () => {
  it('lets a library register its own client and sign a user in with it', async () => {
    const registered = await client.dynamicClientRegistration(new URL(server.issuer), {
      client_name: 'Self-registered <b>app</b>',
      redirect_uris: ['http://localhost:8082/cb'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    }, undefined, { execute: [client.allowInsecureRequests] });
    const metadata = registered.clientMetadata();
    expect(metadata.client_id).toBeTruthy();
    expect(metadata.client_secret).toBeTruthy();

    const browser = new Browser();
    const result = await authorize(registered, browser, { redirectUri: 'http://localhost:8082/cb', scope: 'openid' });
    expect(result.callback.searchParams.get('code')).toBeTruthy();
  });

  it('escapes the registered client name on our pages', async () => {
    const registered = await client.dynamicClientRegistration(new URL(server.issuer), {
      client_name: '<script>alert(1)</script>', redirect_uris: ['http://localhost:8083/cb'],
    }, undefined, { execute: [client.allowInsecureRequests] });
    const url = client.buildAuthorizationUrl(registered, {
      redirect_uri: 'http://localhost:8083/cb', scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256',
    });
    const page = await new Browser().open(url);
    expect(page.html).not.toContain('<script>alert(1)</script>');
    expect(page.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('refuses to let a registered client call itself first-party or a resource server', async () => {
    for (const flag of ['first_party', 'resource_server']) {
      const response = await fetch(`${server.issuer}/oauth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: ['http://localhost:8084/cb'], [flag]: true }),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_client_metadata' });
    }
  });
});

describe('subject identifiers', () => {
  it('are stable: the same user gets the same sub in separate sessions', async () => {
    const config = await discoverClient(server.issuer, FIRST_PARTY.client_id, FIRST_PARTY.client_secret);
    const a = await signIn(config, { redirectUri: FIRST_PARTY.redirect_uris[0]!, scope: 'openid' });
    const b = await signIn(config, { redirectUri: FIRST_PARTY.redirect_uris[0]!, scope: 'openid' });
    expect(a.tokens.claims()!.sub).toBe(b.tokens.claims()!.sub);
  });
});
