import { beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import * as client from 'openid-client';
import { DEMO_CONFIDENTIAL, DEMO_PUBLIC, signIn } from '../helpers/oauth.js';
import { useGatehouse } from '../helpers/use-gatehouse.js';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

const { server, clients } = useGatehouse({ clients: { confidential: DEMO_CONFIDENTIAL, public: DEMO_PUBLIC } });
let keys: KeyPair;
let dpop: client.DPoPHandle;

beforeAll(async () => {
  keys = await generateKeyPair('ES256', { extractable: true });
  dpop = client.getDPoPHandle(clients.confidential, keys as client.CryptoKeyPair);
});

/** A DPoP proof made by hand, so that a test can get one detail wrong. */
async function proof(accessToken: string, options: { htm?: string; htu?: string; jti?: string; iat?: number; key?: KeyPair } = {}) {
  const key = options.key ?? keys;
  return new SignJWT({
    htm: options.htm ?? 'GET',
    htu: options.htu ?? `${server.apiUrl}/protected`,
    jti: options.jti ?? crypto.randomUUID(),
    ath: createHash('sha256').update(accessToken).digest('base64url'),
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(key.publicKey) })
    .setIssuedAt(options.iat ?? Math.floor(Date.now() / 1000))
    .sign(key.privateKey);
}

const callApi = (headers: Record<string, string>) => fetch(`${server.apiUrl}/protected`, { headers });

async function dpopBoundToken(): Promise<string> {
  const tokens = await client.clientCredentialsGrant(clients.confidential, { scope: 'api:read', resource: server.apiUrl }, { DPoP: dpop });
  expect(tokens.token_type.toLowerCase()).toBe('dpop');
  return tokens.access_token;
}

function expectDpopChallenge(response: Response, error: string) {
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toMatch(new RegExp(`^DPoP realm="[^"]+", error="${error}", error_description="[^"]+", algs="ES256 Ed25519 EdDSA"$`));
}

describe('DPoP (RFC 9449) with openid-client and the protected API', () => {
  it('publishes the proof algorithms in discovery', async () => {
    const metadata = await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
    expect(metadata['dpop_signing_alg_values_supported']).toEqual(expect.arrayContaining(['ES256']));
  });

  it('binds the access token to the client key (cnf.jkt) and the API accepts it with a proof from that key', async () => {
    const accessToken = await dpopBoundToken();
    expect(decodeJwt(accessToken)['cnf']).toEqual({ jkt: await calculateJwkThumbprint(await exportJWK(keys.publicKey)) });
    const response = await client.fetchProtectedResource(clients.confidential, accessToken, new URL(`${server.apiUrl}/protected`), 'GET', undefined, undefined, { DPoP: dpop });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ client_id: DEMO_CONFIDENTIAL.id });
  });

  it('refuses a DPoP-bound token presented as a Bearer token, with a DPoP challenge', async () => {
    expectDpopChallenge(await callApi({ authorization: `Bearer ${await dpopBoundToken()}` }), 'invalid_token');
  });

  it('refuses a proof used twice', async () => {
    const accessToken = await dpopBoundToken();
    const once = await proof(accessToken);
    expect((await callApi({ authorization: `DPoP ${accessToken}`, dpop: once })).status).toBe(200);
    expectDpopChallenge(await callApi({ authorization: `DPoP ${accessToken}`, dpop: once }), 'invalid_dpop_proof');
  });

  it('refuses a proof for another URL, another method, another token, from another key, or too old', async () => {
    const accessToken = await dpopBoundToken();
    const otherKey = await generateKeyPair('ES256', { extractable: true });
    const wrongProofs: [string, RegExp][] = [
      [await proof(accessToken, { htu: `${server.apiUrl}/elsewhere` }), /another URL/],
      [await proof(accessToken, { htm: 'POST' }), /another HTTP method/],
      [await proof(await dpopBoundToken()), /another access token/],
      [await proof(accessToken, { key: otherKey }), /not bound to/],
      [await proof(accessToken, { iat: Math.floor(Date.now() / 1000) - 120 }), /too old/],
    ];
    for (const [wrong, reason] of wrongProofs) {
      const response = await callApi({ authorization: `DPoP ${accessToken}`, dpop: wrong });
      expectDpopChallenge(response, 'invalid_dpop_proof');
      expect((await response.json() as { error_description: string }).error_description).toMatch(reason);
    }
    expectDpopChallenge(await callApi({ authorization: `DPoP ${accessToken}` }), 'invalid_dpop_proof');
  });

  it('refuses a token that is not DPoP-bound sent with the DPoP scheme', async () => {
    const plain = await client.clientCredentialsGrant(clients.confidential, { scope: 'api:read', resource: server.apiUrl });
    expectDpopChallenge(await callApi({ authorization: `DPoP ${plain.access_token}`, dpop: await proof(plain.access_token) }), 'invalid_token');
  });

  it("binds a public client's refresh token: refreshing needs a proof from the same key", async () => {
    const publicKeys = await client.randomDPoPKeyPair('ES256');
    const publicDpop = client.getDPoPHandle(clients.public, publicKeys);
    const { tokens } = await signIn(clients.public, {
      redirectUri: DEMO_PUBLIC.redirectUri, scope: 'openid offline_access api:read', resource: server.apiUrl, extra: { prompt: 'consent' }, dpop: publicDpop,
    });
    expect(tokens.token_type.toLowerCase()).toBe('dpop');
    const thief = client.getDPoPHandle(clients.public, await client.randomDPoPKeyPair('ES256'));
    await expect(client.refreshTokenGrant(clients.public, tokens.refresh_token!, undefined, { DPoP: thief })).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(client.refreshTokenGrant(clients.public, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    const refreshed = await client.refreshTokenGrant(clients.public, tokens.refresh_token!, undefined, { DPoP: publicDpop });
    expect(refreshed.token_type.toLowerCase()).toBe('dpop');
  });
});
