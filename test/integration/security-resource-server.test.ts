import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import * as client from 'openid-client';
import { generateSigningKeys, type PrivateJwks } from '../../src/keys/signing-keys.js';
import { DEMO_CONFIDENTIAL, discoverClient, signIn } from '../helpers/oauth.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/start-gatehouse.js';

let server: TestGatehouse;
let jwks: PrivateJwks;
let accessToken: string;
let ourKey: { key: Awaited<ReturnType<typeof importJWK>>; kid: string };

beforeAll(async () => {
  // Our own signing keys, so the test can mint tokens the API must refuse for reasons other than the signature.
  jwks = await generateSigningKeys();
  server = await startTestGatehouse({ SIGNING_KEYS: JSON.stringify(jwks) });
  const confidential: client.Configuration = await discoverClient(server.issuer, DEMO_CONFIDENTIAL.id, DEMO_CONFIDENTIAL.secret);
  const { tokens } = await signIn(confidential, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid api:read', resource: server.apiUrl });
  accessToken = tokens.access_token;
  const es256 = jwks.keys.find((key) => key.alg === 'ES256') as JWK;
  ourKey = { key: await importJWK(es256, 'ES256'), kid: es256.kid! };
});
afterAll(() => server.close());

const api = (path: string, init: RequestInit = {}) => fetch(`${server.apiUrl}${path}`, init);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A token like ours, signed with our real key, with these claims or header changed. */
function mint(claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ client_id: DEMO_CONFIDENTIAL.id, scope: 'api:read', jti: `jti-${Math.random()}`, ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: ourKey.kid, ...header })
    .setIssuer(String(claims['iss'] ?? server.issuer))
    .setAudience(String(claims['aud'] ?? server.apiUrl))
    .setSubject('someone')
    .setIssuedAt(now)
    .setExpirationTime(Number(claims['exp'] ?? now + 300))
    .sign(ourKey.key);
}

async function expectInvalidToken(response: Response) {
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
}

describe('the protected API verifies RFC 9068 access tokens', () => {
  it('accepts our JWT access token with the scope, and names the user and client', async () => {
    expect(accessToken.split('.')).toHaveLength(3);
    const response = await api('/protected', { headers: bearer(accessToken) });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ client_id: DEMO_CONFIDENTIAL.id });
  });

  it('answers 401 with WWW-Authenticate: Bearer when there is no token', async () => {
    const response = await api('/protected');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('refuses a token in the query string', async () => {
    const response = await api(`/protected?access_token=${accessToken}`);
    expect(response.status).toBe(400);
    expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_request"/);
  });

  it('403 insufficient_scope when the scope is missing', async () => {
    const response = await api('/protected/messages', { method: 'POST', headers: { ...bearer(accessToken), 'content-type': 'application/json' }, body: '{"text":"hi"}' });
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toMatch(/error="insufficient_scope"/);
  });

  it('pins the algorithm: alg=none and HS256 (keyed with our public key) are refused', async () => {
    const [header, payload] = (await mint()).split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${payload}.`;
    await expectInvalidToken(await api('/protected', { headers: bearer(none) }));
    const publicJwk = (({ d: _d, ...rest }) => rest)(jwks.keys.find((key) => key.alg === 'ES256')!);
    const hs = await new SignJWT(JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>)
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .sign(new TextEncoder().encode(JSON.stringify(publicJwk)));
    await expectInvalidToken(await api('/protected', { headers: bearer(hs) }));
    expect(header).toBeTruthy();
  });

  it('uses our JWKS only: a token signed by another key that names it in jwk, jku or x5u is refused', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const attackerJwk = await exportJWK(publicKey);
    const now = Math.floor(Date.now() / 1000);
    for (const header of [{ jwk: attackerJwk }, { jku: 'https://attacker.example/jwks.json' }, { x5u: 'https://attacker.example/cert.pem' }]) {
      const forged = await new SignJWT({ client_id: DEMO_CONFIDENTIAL.id, scope: 'api:read', jti: 'x' })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: ourKey.kid, ...header })
        .setIssuer(server.issuer).setAudience(server.apiUrl).setSubject('someone').setIssuedAt(now).setExpirationTime(now + 300)
        .sign(privateKey);
      await expectInvalidToken(await api('/protected', { headers: bearer(forged) }));
    }
  });

  it.each([
    ['typ JWT instead of at+jwt', {}, { typ: 'JWT' }],
    ['another issuer', { iss: 'https://evil.example' }, {}],
    ['another audience', { aud: 'https://other-api.example' }, {}],
    ['expired (beyond the 5 s tolerance)', { exp: Math.floor(Date.now() / 1000) - 60 }, {}],
    ['not yet valid', { nbf: Math.floor(Date.now() / 1000) + 120 }, {}],
  ])('refuses a correctly signed token with %s', async (_label, claims, header) => {
    await expectInvalidToken(await api('/protected', { headers: bearer(await mint(claims, header)) }));
  });

  it('accepts the same minted token when nothing is wrong with it (the cases above fail for their one reason)', async () => {
    expect((await api('/protected', { headers: bearer(await mint()) })).status).toBe(200);
  });
});
