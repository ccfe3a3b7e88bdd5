import { describe, expect, it } from '@jest/globals';
import * as client from 'openid-client';
import { Browser } from '../helpers/browser.js';
import { authorize, DEMO_CONFIDENTIAL, signIn } from '../helpers/oauth.js';
import { registerClient } from '../helpers/register-client.js';
import { useGatehouse } from '../helpers/use-gatehouse.js';

const REDIRECT_URI = 'http://localhost:8080/callback';

describe('pushed authorization requests (RFC 9126) with openid-client', () => {
  const { server, clients } = useGatehouse({ clients: { confidential: DEMO_CONFIDENTIAL } });

  it('publishes the PAR endpoint and that PAR is optional by default', async () => {
    const metadata = await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
    expect(metadata['pushed_authorization_request_endpoint']).toBe(`${server.issuer}/oauth/par`);
    expect(metadata['require_pushed_authorization_requests'] ?? false).toBe(false);
  });

  it('a pushed request signs the user in: the browser carries only client_id and request_uri', async () => {
    const browser = new Browser();
    let seen: URL | undefined;
    const original = browser.open.bind(browser);
    browser.open = (url, stopAt) => {
      seen ??= new URL(url);
      return original(url, stopAt);
    };
    const { tokens } = await signIn(clients.confidential, { browser, par: true, redirectUri: REDIRECT_URI, scope: 'openid profile' });
    expect([...seen!.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    expect(seen!.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    expect(tokens.claims()!.aud).toBe(DEMO_CONFIDENTIAL.id);
  });

  it('a request_uri is spent once it has produced a code: opening it again is refused', async () => {
    const url = await client.buildAuthorizationUrlWithPAR(clients.confidential, {
      redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const browser = new Browser();
    const atClient = (next: URL) => next.origin === 'http://localhost:8080';
    const login = await browser.open(url, atClient);
    const consent = await browser.submit(login, '/login', { username: 'demo', password: 'demo' }, atClient);
    const back = await browser.submit(consent, '/consent', { decision: 'allow' }, atClient);
    expect(back.url.searchParams.get('code')).toBeTruthy();
    // RFC 9126 §4: one-time use (reloading before the flow ends is tolerated, as the RFC allows).
    const again = await browser.open(url, atClient);
    expect(again.status).toBe(400);
    expect(again.html).toContain('invalid_request_uri');
  });

  it('refuses a plain authorization request from a client registered with require_pushed_authorization_requests', async () => {
    const strict = await registerClient(server.issuer, {
      redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code'], response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic', require_pushed_authorization_requests: true,
    });
    const plain = client.buildAuthorizationUrl(strict, {
      redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const refused = await new Browser().open(plain, (next) => next.origin === 'http://localhost:8080');
    expect(refused.url.searchParams.get('error')).toBe('invalid_request');
    expect(refused.url.searchParams.get('error_description')).toBe('Pushed Authorization Request must be used');
    expect(refused.url.searchParams.get('code')).toBeNull();

    const pushed = await authorize(strict, new Browser(), { par: true, redirectUri: REDIRECT_URI, scope: 'openid' });
    expect(pushed.callback.searchParams.get('code')).toBeTruthy();
  });
});

describe('PAR_REQUIRED=true', () => {
  const { server, clients } = useGatehouse({ env: { PAR_REQUIRED: 'true' }, clients: { confidential: DEMO_CONFIDENTIAL } });

  it('says so in discovery and refuses every plain authorization request, while pushed ones work', async () => {
    const metadata = await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
    expect(metadata['require_pushed_authorization_requests']).toBe(true);
    const plain = await authorize(clients.confidential, new Browser(), { redirectUri: REDIRECT_URI, scope: 'openid' });
    expect(plain.callback.searchParams.get('error')).toBe('invalid_request');
    expect(plain.callback.searchParams.get('error_description')).toBe('Pushed Authorization Request must be used');
    const { tokens } = await signIn(clients.confidential, { par: true, redirectUri: REDIRECT_URI, scope: 'openid' });
    expect(tokens.access_token).toBeTruthy();
  });
});
