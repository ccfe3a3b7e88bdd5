import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPair, SignJWT, type JWTVerifyGetKey } from 'jose';
import Koa from 'koa';
import { bearerAuth, type AccessTokenClaims } from '../../src/resource-server/bearer-auth.js';
import { createDpopProofVerifier } from '../../src/resource-server/dpop-proof.js';
import { KeysUnavailableError } from '../../src/resource-server/keys-unavailable-error.js';
import { createMemoryReplayCache } from '../../src/store/memory/memory-replay-cache.js';

const issuer = 'https://issuer.test';
const audience = 'https://api.test';
let signingKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let keys: JWTVerifyGetKey;
let server: Server;
let url: string;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  signingKey = pair.privateKey;
  keys = async () => pair.publicKey;
  const app = new Koa();
  // What the app's error handler needs to know of a thrown error, in a line of the test's own.
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      ctx.status = (error as { status?: number }).status ?? 500;
      ctx.body = { thrown: (error as Error).name };
    }
  });
  app.use(bearerAuth({ issuer, audience, keys: (header, token) => keys(header, token), dpop: createDpopProofVerifier({ replayCache: createMemoryReplayCache() }) }));
  app.use((ctx) => {
    ctx.body = { sub: (ctx.state['token'] as AccessTokenClaims).sub };
  });
  server = createServer(app.callback()).listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function token(header: Record<string, unknown> = {}) {
  return new SignJWT({ client_id: 'c', scope: 'api:read' })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', ...header })
    .setIssuer(issuer).setAudience(audience).setSubject('user').setJti(crypto.randomUUID()).setIssuedAt().setExpirationTime('5m')
    .sign(signingKey);
}

/** A request with these Authorization header lines, each sent as it is (fetch would join them). */
function call(...authorization: string[]): Promise<{ status: number; challenge: string | undefined; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    // Given as raw lines, the headers are sent as they are, Host included.
    request(url, { headers: ['host', new URL(url).host, ...authorization.flatMap((line) => ['authorization', line])] }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => { text += chunk; }).on('end', () => {
        try {
          resolve({ status: response.statusCode!, challenge: response.headers['www-authenticate'], body: JSON.parse(text) as Record<string, unknown> });
        } catch (error) {
          reject(error as Error);
        }
      });
    }).on('error', reject).end();
  });
}

const plainChallenges = `Bearer realm="${audience}", DPoP realm="${audience}", algs="ES256 Ed25519 EdDSA"`;

describe('bearer authentication', () => {
  it.each([
    ['another scheme (RFC 6750 §3.1: no error code when no credentials of ours are sent)', 'Basic dXNlcjpwYXNz'],
    ['a scheme that only starts like ours', 'Bearertoken'],
  ])('answers %s with 401 and plain Bearer and DPoP challenges', async (_case, authorization) => {
    const response = await call(authorization);
    expect(response.status).toBe(401);
    expect(response.challenge).toBe(plainChallenges);
  });

  it.each([
    ['the scheme and no token', 'Bearer'],
    ['two words after the scheme', 'Bearer abc def'],
    ['characters outside b64token', 'Bearer to"ken'],
    ['a tab after the scheme', 'Bearer\tabc'],
    ['the DPoP scheme and no token', 'DPoP'],
  ])('answers a malformed credential (%s) with 400 invalid_request saying the token is malformed', async (_case, authorization) => {
    const response = await call(authorization);
    expect(response.status).toBe(400);
    const scheme = authorization.slice(0, authorization.search(/[ \t]|$/));
    expect(response.challenge).toMatch(new RegExp(`^${scheme} realm="[^"]*", error="invalid_request", error_description="The access token is malformed`));
    expect(response.body).toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(/^The access token is malformed/) });
  });

  it('refuses two Authorization headers with 400 invalid_request, whichever comes first', async () => {
    const valid = `Bearer ${await token()}`;
    for (const headers of [[valid, 'Bearer xyz'], ['Bearer xyz', valid], [valid, valid]]) {
      const response = await call(...headers);
      expect(response.status).toBe(400);
      expect(response.challenge).toMatch(/error="invalid_request"/);
    }
  });

  it('passes on a key source\'s KeysUnavailableError (a 503), rather than calling the token invalid', async () => {
    const working = keys;
    keys = () => Promise.reject(new KeysUnavailableError());
    try {
      const response = await call(`Bearer ${await token()}`);
      expect(response).toMatchObject({ status: 503, body: { thrown: 'KeysUnavailableError' } });
      expect(response.challenge).toBeUndefined();
    } finally {
      keys = working;
    }
  });

  it('says a wrong typ is the typ header (a JOSE header parameter), not a claim', async () => {
    const response = await call(`Bearer ${await token({ typ: 'JWT' })}`);
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: 'invalid_token', error_description: 'The access token\'s typ header is not accepted' });
  });
});
