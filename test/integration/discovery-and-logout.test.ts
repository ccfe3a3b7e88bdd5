import { describe, expect, it } from '@jest/globals';
import * as client from 'openid-client';
import { Browser, findForm } from '../helpers/browser.js';
import { authorize, DEMO_CONFIDENTIAL, signIn } from '../helpers/oauth.js';
import { useGatehouse } from '../helpers/use-gatehouse.js';

const { server, clients } = useGatehouse({ clients: { confidential: DEMO_CONFIDENTIAL } });

describe('discovery', () => {
  it('publishes OpenID and RFC 8414 metadata with every endpoint under /oauth', async () => {
    const openid = await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
    const oauth = await (await fetch(`${server.issuer}/.well-known/oauth-authorization-server`)).json() as Record<string, unknown>;
    expect(oauth).toEqual(openid);
    expect(openid).toMatchObject({
      issuer: server.issuer,
      authorization_endpoint: `${server.issuer}/oauth/authorize`,
      token_endpoint: `${server.issuer}/oauth/token`,
      jwks_uri: `${server.issuer}/oauth/jwks`,
      userinfo_endpoint: `${server.issuer}/oauth/userinfo`,
      introspection_endpoint: `${server.issuer}/oauth/introspect`,
      revocation_endpoint: `${server.issuer}/oauth/revoke`,
      end_session_endpoint: `${server.issuer}/oauth/logout`,
      registration_endpoint: `${server.issuer}/oauth/register`,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
    });
    expect(openid['grant_types_supported']).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']));
    expect(openid['grant_types_supported']).not.toContain('implicit');
    expect(openid['grant_types_supported']).not.toContain('password');
  });

  it('ignores forged Host and X-Forwarded-Host headers when building URLs', async () => {
    const response = await fetch(`${server.issuer}/.well-known/openid-configuration`, {
      headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' },
    });
    const body = await response.text();
    expect(body).not.toContain('evil.example');
    expect(JSON.parse(body).token_endpoint).toBe(`${server.issuer}/oauth/token`);
  });

  it('publishes RS256 and ES256 public keys only', async () => {
    const { keys } = await (await fetch(`${server.issuer}/oauth/jwks`)).json() as { keys: Record<string, unknown>[] };
    expect(keys.map((key) => key['alg']).sort()).toEqual(['ES256', 'RS256']);
    for (const key of keys) {
      for (const privateMember of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key).not.toHaveProperty(privateMember);
    }
  });
});

describe('RP-initiated logout', () => {
  it('asks for confirmation, ends the session and returns to the registered post-logout URI', async () => {
    const browser = new Browser();
    const { tokens } = await signIn(clients.confidential, { browser, redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid' });
    const state = client.randomState();
    const endSession = client.buildEndSessionUrl(clients.confidential, {
      id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'http://localhost:8080/', state,
    });
    const confirmation = await browser.open(endSession);
    expect(confirmation.status).toBe(200);
    expect(confirmation.html).toContain('Sign out?');
    expect(confirmation.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");

    const back = await browser.submit(confirmation, '/oauth/logout', { logout: 'yes' }, (url) => url.origin === 'http://localhost:8080');
    expect(back.url.href).toBe(`http://localhost:8080/?state=${state}`);

    // The session is gone: the next authorization shows the login page again.
    await expect(authorize(clients.confidential, browser, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid', password: 'wrong' }))
      .rejects.toThrow(/did not return to the client/);
  });

  it('signing out of Gatehouse signs the browser out of the account pages too', async () => {
    const browser = new Browser();
    await signIn(clients.confidential, { browser, redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid' });
    const accountSignIn = await browser.open(`${server.issuer}/account/security`);
    expect((await browser.submit(accountSignIn, '/account/security/sign-in', { username: 'demo', password: 'demo' })).html).toContain('Signed in as');
    const confirmation = await browser.open(`${server.issuer}/oauth/logout`);
    const form = findForm(confirmation.html, '/oauth/logout');

    const confirmed = await browser.request(new URL(form.action, confirmation.url), {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...form.hidden, logout: 'yes' }),
    });

    expect(confirmed.status).toBe(303);
    // Cleared where the account pages keep it (a browser would not send it to the logout endpoint).
    expect(confirmed.headers.getSetCookie()).toContainEqual(expect.stringMatching(/^gatehouse\.account=;.*path=\/account\/security;.*expires=Thu, 01 Jan 1970/));
    expect((await browser.open(`${server.issuer}/account/security`)).html).toContain('Sign in to turn two-step verification on or off');
  });

  it('without a post-logout URI, says the user has signed out', async () => {
    const browser = new Browser();
    await signIn(clients.confidential, { browser, redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid' });
    const confirmation = await browser.open(`${server.issuer}/oauth/logout`);
    const done = await browser.submit(confirmation, '/oauth/logout', { logout: 'yes' });
    expect(done.status).toBe(200);
    expect(done.html).toContain('You have signed out');
  });
});
