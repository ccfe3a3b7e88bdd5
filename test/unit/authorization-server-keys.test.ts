import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK } from 'jose';
import { createAuthorizationServerKeys, JWKS_REFRESH_MS, KEYS_MAX_AGE_MS } from '../../src/resource-server/authorization-server-keys.js';
import { createLogger } from '../../src/observability/logger.js';
import { captureLogs } from '../helpers/capture-logs.js';
import { freePort } from '../helpers/free-port.js';

const logger = createLogger({ level: 'silent' });

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
    const { getKey: keys } = createAuthorizationServerKeys(jwks.url, { logger, now: () => now });
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
    const { getKey: keys } = createAuthorizationServerKeys(jwks.url, { logger, now: () => now });
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

  it('refuses with KeysUnavailableError, not as a token problem, when no keys could be fetched', async () => {
    const keys = createAuthorizationServerKeys(`http://127.0.0.1:${await freePort()}/jwks`, { logger });
    const key = await signingKey('k1');
    await expect(jwtVerify(await key.token(), keys.getKey)).rejects.toMatchObject({ name: 'KeysUnavailableError', status: 503 });
  });

  it('refuses with KeysUnavailableError once the keys it holds were fetched too long ago', async () => {
    const jwks = await jwksServer();
    closing = jwks.close;
    const key = await signingKey('k1');
    jwks.publish([key.jwk]);
    let now = 1_000_000;
    const keys = createAuthorizationServerKeys(jwks.url, { logger, now: () => now });
    await expect(jwtVerify(await key.token(), keys.getKey)).resolves.toBeDefined();
    jwks.publish([], 503);
    now += KEYS_MAX_AGE_MS - 1000;
    await expect(jwtVerify(await key.token(), keys.getKey)).resolves.toBeDefined();
    now += 2000;
    await expect(jwtVerify(await key.token(), keys.getKey)).rejects.toMatchObject({ name: 'KeysUnavailableError' });
    // A kid that is not in the JWKS fetched is the token's problem, once keys are fetched again.
    jwks.publish([key.jwk]);
    now += 5000;
    const stranger = await signingKey('k9');
    await expect(jwtVerify(await stranger.token(), keys.getKey)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
  });

  it('logs one warn line when fetching starts failing and one info line when it works again, however many fail', async () => {
    const jwks = await jwksServer();
    closing = jwks.close;
    const key = await signingKey('k1');
    jwks.publish([key.jwk]);
    let now = 1_000_000;
    const { logger: capturing, lines } = captureLogs('info');
    const keys = createAuthorizationServerKeys(jwks.url, { logger: capturing, now: () => now });
    await jwtVerify(await key.token(), keys.getKey);
    jwks.publish([], 500);
    for (let i = 0; i < 4; i++) {
      now += JWKS_REFRESH_MS;
      await expect(jwtVerify(await key.token(), keys.getKey)).resolves.toBeDefined();
    }
    jwks.publish([key.jwk]);
    now += JWKS_REFRESH_MS;
    await jwtVerify(await key.token(), keys.getKey);
    now += JWKS_REFRESH_MS;
    await jwtVerify(await key.token(), keys.getKey);
    expect(jwks.fetches()).toBe(7);
    const logged = lines.map((line) => JSON.parse(line) as { level: number; msg: string; jwksUri: string });
    expect(logged.map(({ level, jwksUri }) => ({ level, jwksUri }))).toEqual([{ level: 40, jwksUri: jwks.url }, { level: 30, jwksUri: jwks.url }]);
    expect(logged[0]!.msg).toMatch(/cannot fetch the authorization server's signing keys/);
  });

  it('answers how many keys it holds for readiness, fetching only when a fetch is due', async () => {
    const jwks = await jwksServer();
    closing = jwks.close;
    const key = await signingKey('k1');
    jwks.publish([key.jwk, (await signingKey('k2')).jwk]);
    let now = 1_000_000;
    const keys = createAuthorizationServerKeys(jwks.url, { logger, now: () => now });
    const answers = await Promise.all(Array.from({ length: 20 }, () => keys.usableKeys()));
    expect(answers).toEqual(Array(20).fill(2));
    expect(jwks.fetches()).toBe(1);
    // The authorization server is down for a while: the keys held still verify, so still ready.
    jwks.publish([], 503);
    now += JWKS_REFRESH_MS;
    expect(await keys.usableKeys()).toBe(2);
    expect(await keys.usableKeys()).toBe(2);
    expect(jwks.fetches()).toBe(2);
    now += KEYS_MAX_AGE_MS;
    expect(await keys.usableKeys()).toBe(0);
  });
});
