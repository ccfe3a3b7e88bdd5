import { describe, expect, it } from '@jest/globals';
import * as client from 'openid-client';
import { Browser } from '../helpers/browser.js';
import { authorize, DEMO_CONFIDENTIAL, DEMO_PUBLIC, signIn } from '../helpers/oauth.js';
import { useGatehouse } from '../helpers/use-gatehouse.js';

const { server, clients } = useGatehouse({ clients: { confidential: DEMO_CONFIDENTIAL, public: DEMO_PUBLIC } });

describe('authorization code + PKCE with openid-client', () => {
  it('signs the demo user in through our login and consent pages and returns a valid ID token', async () => {
    const { tokens } = await signIn(clients.confidential, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid profile email' });
    const claims = tokens.claims()!;
    expect(claims.iss).toBe(server.issuer);
    expect(claims.aud).toBe(DEMO_CONFIDENTIAL.id);
    expect(typeof claims.sub).toBe('string');
    expect(tokens.token_type.toLowerCase()).toBe('bearer');

    const userinfo = await client.fetchUserInfo(clients.confidential, tokens.access_token, claims.sub);
    expect(userinfo).toMatchObject({ sub: claims.sub, preferred_username: 'demo', name: 'Demo User', email: 'demo@example.com', email_verified: true });
  });

  it('remembers consent: a second sign-in in the same browser skips both pages', async () => {
    const browser = new Browser();
    await signIn(clients.confidential, { browser, redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid profile' });
    const second = await authorize(clients.confidential, browser, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid profile', username: 'unused', password: 'unused' });
    expect(second.callback.searchParams.get('code')).toBeTruthy();
  });

  it('releases only the claims of the granted scopes', async () => {
    const { tokens } = await signIn(clients.confidential, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid' });
    const userinfo = await client.fetchUserInfo(clients.confidential, tokens.access_token, tokens.claims()!.sub);
    expect(Object.keys(userinfo)).toEqual(['sub']);
  });

  it('works for the public client with PKCE and no secret, on any loopback port', async () => {
    const { tokens } = await signIn(clients.public, { redirectUri: DEMO_PUBLIC.redirectUri, scope: 'openid offline_access', extra: { prompt: 'consent' } });
    expect(tokens.refresh_token).toBeTruthy();
    expect(tokens.claims()!.aud).toBe(DEMO_PUBLIC.id);
  });

  it('denying consent sends access_denied back to the client, with state and iss', async () => {
    const browser = new Browser();
    const result = await authorize(clients.confidential, browser, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid email', decision: 'deny' });
    expect(result.callback.searchParams.get('error')).toBe('access_denied');
    expect(result.callback.searchParams.get('state')).toBe(result.state);
    expect(result.callback.searchParams.get('iss')).toBe(server.issuer);
  });
});
