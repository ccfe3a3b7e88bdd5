import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as client from 'openid-client';
import { Browser } from '../helpers/browser.js';
import { authorize, DEMO_CONFIDENTIAL, DEMO_PUBLIC, discoverClient, signIn } from '../helpers/oauth.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/start-gatehouse.js';

let server: TestGatehouse;
let confidential: client.Configuration;
let publicClient: client.Configuration;

beforeAll(async () => {
  server = await startTestGatehouse();
  confidential = await discoverClient(server.issuer, DEMO_CONFIDENTIAL.id, DEMO_CONFIDENTIAL.secret);
  publicClient = await discoverClient(server.issuer, DEMO_PUBLIC.id);
});
afterAll(() => server.close());

describe('authorization code + PKCE with openid-client', () => {
  it('signs the demo user in through our login and consent pages and returns a valid ID token', async () => {
    const { tokens } = await signIn(confidential, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid profile email' });
    const claims = tokens.claims()!;
    expect(claims.iss).toBe(server.issuer);
    expect(claims.aud).toBe(DEMO_CONFIDENTIAL.id);
    expect(typeof claims.sub).toBe('string');
    expect(tokens.token_type.toLowerCase()).toBe('bearer');

    const userinfo = await client.fetchUserInfo(confidential, tokens.access_token, claims.sub);
    expect(userinfo).toMatchObject({ sub: claims.sub, preferred_username: 'demo', name: 'Demo User', email: 'demo@example.com', email_verified: true });
  });

  it('remembers consent: a second sign-in in the same browser skips both pages', async () => {
    const browser = new Browser();
    await signIn(confidential, { browser, redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid profile' });
    const second = await authorize(confidential, browser, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid profile', username: 'unused', password: 'unused' });
    expect(second.callback.searchParams.get('code')).toBeTruthy();
  });

  it('releases only the claims of the granted scopes', async () => {
    const { tokens } = await signIn(confidential, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid' });
    const userinfo = await client.fetchUserInfo(confidential, tokens.access_token, tokens.claims()!.sub);
    expect(Object.keys(userinfo)).toEqual(['sub']);
  });

  it('works for the public client with PKCE and no secret, on any loopback port', async () => {
    const { tokens } = await signIn(publicClient, { redirectUri: DEMO_PUBLIC.redirectUri, scope: 'openid offline_access', extra: { prompt: 'consent' } });
    expect(tokens.refresh_token).toBeTruthy();
    expect(tokens.claims()!.aud).toBe(DEMO_PUBLIC.id);
  });

  it('denying consent sends access_denied back to the client, with state and iss', async () => {
    const browser = new Browser();
    const result = await authorize(confidential, browser, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid email', decision: 'deny' });
    expect(result.callback.searchParams.get('error')).toBe('access_denied');
    expect(result.callback.searchParams.get('state')).toBe(result.state);
    expect(result.callback.searchParams.get('iss')).toBe(server.issuer);
  });
});
