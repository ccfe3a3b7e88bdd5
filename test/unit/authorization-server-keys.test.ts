import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK } from 'jose';
import { createAuthorizationServerKeys, JWKS_REFRESH_MS } from '../../src/resource-server/authorization-server-keys.js';

/** An authorization server's JWKS endpoint whose answer the test changes. */
async function jwksServer() {
  let answer: { status: number; keys: JWK[] } = { status: 200, keys: [] };
  let fetches = 0;
  const server: Server = createServer((_request, response) => {
    fetches++;
    response.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: answer.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`,
    publish: (keys: JWK[], status = 200) => { answer = { status, keys }; },
    fetches: () => fetches,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function signingKey(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return {
    jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } as JWK,
    token: () => new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid }).setExpirationTime('5m').sign(privateKey),
  };
}

describe('the protected API\'s copy of the authorization server\'s keys', () => {
  let closing: (() => Promise<void>) | undefined;
  afterEach(async () => closing?.());

  it('stops verifying a key withdrawn from the JWKS once its copy is half a minute old', async () => {
    const jwks = await jwksServer();
    closing = jwks.close;
    const [old, fresh] = [await signingKey('old'), await signingKey('new')];
    jwks.publish([old.jwk, fresh.jwk]);
    let now = 1_000_000;
    const keys = createAuthorizationServerKeys(jwks.url, { now: () => now });
    await expect(jwtVerify(await old.token(), keys)).resolves.toBeDefined();

    jwks.publish([fresh.jwk]);
    now += JWKS_REFRESH_MS - 1000;
    await expect(jwtVerify(await old.token(), keys)).resolves.toBeDefined();
    now += 2000;
    await expect(jwtVerify(await old.token(), keys)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
    await expect(jwtVerify(await fresh.token(), keys)).resolves.toBeDefined();
  });

  it('goes on with the keys it has while the JWKS cannot be fetched, trying again every few seconds', async () => {
    const jwks = await jwksServer();
    closing = jwks.close;
    const key = await signingKey('k1');
    jwks.publish([key.jwk]);
    let now = 1_000_000;
    const keys = createAuthorizationServerKeys(jwks.url, { now: () => now });
    await expect(jwtVerify(await key.token(), keys)).resolves.toBeDefined();

    jwks.publish([], 503);
    now += JWKS_REFRESH_MS + 1000;
    await expect(jwtVerify(await key.token(), keys)).resolves.toBeDefined();
    const fetchesAfterFailure = jwks.fetches();
    now += 1000;
    await expect(jwtVerify(await key.token(), keys)).resolves.toBeDefined();
    expect(jwks.fetches()).toBe(fetchesAfterFailure);
    now += 5000;
    await jwtVerify(await key.token(), keys);
    expect(jwks.fetches()).toBe(fetchesAfterFailure + 1);
  });
});
