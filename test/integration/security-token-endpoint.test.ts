import { beforeAll, describe, expect, it } from '@jest/globals';
import * as client from 'openid-client';
import { Browser } from '../helpers/browser.js';
import { authorize, DEMO_CONFIDENTIAL, DEMO_PUBLIC } from '../helpers/oauth.js';
import { basicAuth, postForm } from '../helpers/requests.js';
import { useGatehouse } from '../helpers/use-gatehouse.js';
import { REFRESH_TOKEN_ABSOLUTE_LIFETIME, ttl } from '../../src/provider/ttl.js';
import type { KoaContextWithOIDC, RefreshToken } from 'oidc-provider';

const { server, clients } = useGatehouse({ clients: { confidential: DEMO_CONFIDENTIAL, public: DEMO_PUBLIC } });
let tokenUrl: string;
const confidentialAuth = basicAuth(DEMO_CONFIDENTIAL.id, DEMO_CONFIDENTIAL.secret);

beforeAll(() => {
  tokenUrl = `${server.issuer}/oauth/token`;
});

/** A fresh authorization code for the confidential client (browser half only; not redeemed). */
async function freshCode(scope = 'openid') {
  const result = await authorize(clients.confidential, new Browser(), { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope });
  return { code: result.callback.searchParams.get('code')!, verifier: result.codeVerifier };
}

function redeem(code: string, verifier: string | undefined, overrides: Record<string, string> = {}, auth = confidentialAuth) {
  const body: Record<string, string> = { grant_type: 'authorization_code', code, redirect_uri: DEMO_CONFIDENTIAL.redirectUri, ...overrides };
  if (verifier !== undefined) body['code_verifier'] = verifier;
  return postForm(tokenUrl, body, auth ? { authorization: auth } : {});
}

async function expectOAuthError(response: Response, status: number, error: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('cache-control')).toBe('no-store');
  const body = await response.json() as { error: string };
  expect(body.error).toBe(error);
  return body;
}

describe('token endpoint: the authorization code is bound and single-use (RFC 9700 §4.5, RFC 7636 §4.6)', () => {
  it('a code redeemed twice: the second gets invalid_grant and the first access token stops working', async () => {
    const { code, verifier } = await freshCode('openid profile');
    const first = await redeem(code, verifier);
    expect(first.status).toBe(200);
    const { access_token: accessToken } = await first.json() as { access_token: string };
    const userinfo = () => fetch(`${server.issuer}/oauth/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect((await userinfo()).status).toBe(200);

    await expectOAuthError(await redeem(code, verifier), 400, 'invalid_grant');
    expect((await userinfo()).status).toBe(401);
  });

  it('a code redeemed twice revokes the grant, but not a JWT access token: the API takes it until exp, /oauth/revoke refuses it', async () => {
    const result = await authorize(clients.confidential, new Browser(), { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid api:read', resource: server.apiUrl });
    const code = result.callback.searchParams.get('code')!;
    const first = await redeem(code, result.codeVerifier, { resource: server.apiUrl });
    expect(first.status).toBe(200);
    const { access_token: accessToken } = await first.json() as { access_token: string };
    const api = () => fetch(`${server.apiUrl}/protected`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect((await api()).status).toBe(200);

    await expectOAuthError(await redeem(code, result.codeVerifier, { resource: server.apiUrl }), 400, 'invalid_grant');
    // Self-contained (RFC 9068): the API never asks us, so it lives until its exp (README, docs/security.md).
    expect((await api()).status).toBe(200);
    const revoke = await postForm(`${server.issuer}/oauth/revoke`, { token: accessToken }, { authorization: confidentialAuth });
    expect(revoke.status).toBe(400);
    expect((await revoke.json() as { error: string }).error).toBe('unsupported_token_type');
  });

  it('concurrent redemptions of one code: exactly one succeeds', async () => {
    const { code, verifier } = await freshCode();
    const responses = await Promise.all(Array.from({ length: 8 }, () => redeem(code, verifier)));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([200, 400, 400, 400, 400, 400, 400, 400]);
  });

  it('a code is bound to its client: another client redeeming it gets invalid_grant', async () => {
    const { code, verifier } = await freshCode();
    const stolen = await postForm(tokenUrl, {
      grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: DEMO_CONFIDENTIAL.redirectUri, client_id: DEMO_PUBLIC.id,
    });
    await expectOAuthError(stolen, 400, 'invalid_grant');
  });

  it('a code is bound to its redirect_uri: another registered redirect_uri gets invalid_grant', async () => {
    const { code, verifier } = await freshCode();
    await expectOAuthError(await redeem(code, verifier, { redirect_uri: 'http://localhost:3002/callback' }), 400, 'invalid_grant');
  });

  it('a code is bound to its PKCE verifier: a wrong or missing code_verifier is refused', async () => {
    const wrong = await freshCode();
    await expectOAuthError(await redeem(wrong.code, client.randomPKCECodeVerifier()), 400, 'invalid_grant');
    const missing = await freshCode();
    const response = await redeem(missing.code, undefined);
    expect(response.status).toBe(400);
    expect(['invalid_grant', 'invalid_request']).toContain((await response.json() as { error: string }).error);
  });

  it('codes are short-lived: one minute (RFC 6749 §4.1.2 says at most ten)', () => {
    expect(ttl.AuthorizationCode).toBeLessThanOrEqual(60);
  });
});

describe('token endpoint: refresh tokens (RFC 9700 §4.14)', () => {
  it('a public client\'s refresh token rotates; reusing a rotated one fails and revokes the grant', async () => {
    const browser = new Browser();
    const result = await authorize(clients.public, browser, { redirectUri: DEMO_PUBLIC.redirectUri, scope: 'openid offline_access', extra: { prompt: 'consent' } });
    const tokens = await client.authorizationCodeGrant(clients.public, result.callback, {
      pkceCodeVerifier: result.codeVerifier, expectedState: result.state, expectedNonce: result.nonce,
    });
    const first = tokens.refresh_token!;
    const rotated = await client.refreshTokenGrant(clients.public, first);
    expect(rotated.refresh_token).toBeTruthy();
    expect(rotated.refresh_token).not.toBe(first);

    const refresh = (token: string) => postForm(tokenUrl, { grant_type: 'refresh_token', refresh_token: token, client_id: DEMO_PUBLIC.id });
    await expectOAuthError(await refresh(first), 400, 'invalid_grant');
    // The reuse revoked the whole grant: the newest refresh token is dead too.
    await expectOAuthError(await refresh(rotated.refresh_token!), 400, 'invalid_grant');
  });

  it('a refresh token chain has an absolute lifetime however often it rotates', () => {
    const now = Math.floor(Date.now() / 1000);
    const ctx = {} as KoaContextWithOIDC;
    const young = ttl.RefreshToken(ctx, { iiat: now } as RefreshToken);
    const old = ttl.RefreshToken(ctx, { iiat: now - REFRESH_TOKEN_ABSOLUTE_LIFETIME + 100 } as RefreshToken);
    expect(young).toBeLessThanOrEqual(REFRESH_TOKEN_ABSOLUTE_LIFETIME);
    expect(old).toBeLessThanOrEqual(100);
    expect(ttl.Grant).toBe(REFRESH_TOKEN_ABSOLUTE_LIFETIME);
  });
});

describe('token endpoint: client authentication (RFC 6749 §5.2)', () => {
  it('unknown client and wrong secret get the same 401 invalid_client answer', async () => {
    const body = { grant_type: 'client_credentials' };
    const unknown = await postForm(tokenUrl, body, { authorization: basicAuth('no-such-client', DEMO_CONFIDENTIAL.secret) });
    const wrongSecret = await postForm(tokenUrl, body, { authorization: basicAuth(DEMO_CONFIDENTIAL.id, 'not-the-secret') });
    const a = await expectOAuthError(unknown, 401, 'invalid_client');
    const b = await expectOAuthError(wrongSecret, 401, 'invalid_client');
    expect(a).toEqual(b);
    expect(unknown.headers.get('www-authenticate')).toBe(wrongSecret.headers.get('www-authenticate'));
  });
});

describe('token endpoint: responses and malformed requests', () => {
  it('successful token responses carry Cache-Control: no-store', async () => {
    const response = await postForm(tokenUrl, { grant_type: 'client_credentials' }, { authorization: confidentialAuth });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('the password grant and unknown grant types are refused with unsupported_grant_type', async () => {
    for (const grantType of ['password', 'implicit', 'urn:example:nope']) {
      const response = await postForm(tokenUrl, { grant_type: grantType, username: 'demo', password: 'demo' }, { authorization: confidentialAuth });
      await expectOAuthError(response, 400, 'unsupported_grant_type');
    }
  });

  it.each([
    ['JSON instead of a form', { 'content-type': 'application/json' }, '{"grant_type":"client_credentials"}', 'invalid_request'],
    ['a text body', { 'content-type': 'text/plain' }, 'grant_type=client_credentials', 'invalid_request'],
    ['a duplicated grant_type', {}, 'grant_type=client_credentials&grant_type=client_credentials', 'invalid_request'],
    ['no grant_type', {}, 'scope=openid', 'invalid_request'],
    ['a broken percent-encoding', {}, 'grant_type=client_credentials&scope=%ZZ%E0%A4%A', 'invalid_scope'],
    ['a NUL byte', {}, 'grant_type=client_credentials&scope=openid%00', 'invalid_scope'],
    ['a body over the size limit', {}, `grant_type=client_credentials&scope=${'a'.repeat(100_000)}`, 'invalid_request'],
  ])('%s gets a 400 OAuth error', async (_label, headers, body, error) => {
    const response = await postForm(tokenUrl, body, { authorization: confidentialAuth, ...headers });
    await expectOAuthError(response, 400, error);
  });

  it.each([
    ['not base64', 'Basic !!!'],
    ['no colon', `Basic ${Buffer.from('just-an-id').toString('base64')}`],
    ['bad percent-encoding inside', `Basic ${Buffer.from('%ZZ:%ZZ').toString('base64')}`],
    ['an empty scheme', 'Basic'],
    ['another scheme', 'Digest username="x"'],
  ])('a broken Basic header (%s) gets a 4xx OAuth error, never a 500', async (_label, authorization) => {
    const response = await postForm(tokenUrl, { grant_type: 'client_credentials' }, { authorization });
    expect([400, 401]).toContain(response.status);
    expect(['invalid_request', 'invalid_client']).toContain((await response.json() as { error: string }).error);
  });
});
