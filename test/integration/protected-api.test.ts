import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { createApiApp } from '../../src/resource-server/create-api-app.js';
import { createViews } from '../../src/http/views.js';
import { createLogger } from '../../src/observability/logger.js';
import { captureLogs } from '../helpers/capture-logs.js';
import { freePort } from '../helpers/free-port.js';
import { DEMO_CONFIDENTIAL, discoverClient, signIn } from '../helpers/oauth.js';
import { runMain } from '../helpers/run-main.js';
import { dpopProof, startStandaloneApi, startTestIssuer } from '../helpers/standalone-api.js';
import { startTestGatehouse } from '../helpers/start-gatehouse.js';
import { expectFailedStartOnTakenPort } from '../helpers/taken-port.js';

const ISSUER = 'https://as.example.test';
const AUDIENCE = 'https://api.example.test';
let server: Server;
let base: string;
type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
let signingKey: KeyPair['privateKey'];
let otherKey: KeyPair['privateKey'];
let otherPair: KeyPair;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  signingKey = pair.privateKey;
  otherPair = await generateKeyPair('ES256', { extractable: true });
  otherKey = otherPair.privateKey;
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' };
  const app = createApiApp({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwksUri: 'https://unused.example.test/jwks',
    keys: { getKey: createLocalJWKSet({ keys: [jwk] }), usableKeys: () => Promise.resolve(1) },
    logger: createLogger({ level: 'silent' }),
    views: createViews({ viewsDir: 'views', assetsPath: '/assets', cache: false }),
  });
  server = createServer(app.callback()).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

interface TokenOptions {
  claims?: Record<string, unknown>;
  header?: Record<string, unknown>;
  key?: KeyPair['privateKey'];
  expiresIn?: string | number;
}

async function token(options: TokenOptions = {}): Promise<string> {
  return new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'user-1', client_id: 'c1', scope: 'api:read', jti: crypto.randomUUID(), ...options.claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1', ...options.header })
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '5m')
    .sign(options.key ?? signingKey);
}

const get = (path: string, authorization?: string) =>
  fetch(`${base}${path}`, { headers: authorization ? { authorization } : {} });

/** A browser's 404 page from the API at `apiBase`: its stylesheet and logo load from that same origin. */
async function expectPageWithItsAssets(apiBase: string) {
  const page = await fetch(`${apiBase}/nope`, { headers: { accept: 'text/html' } });
  expect(page.status).toBe(404);
  const links = [...(await page.text()).matchAll(/(?:href|src)="([^"]+\.(?:css|svg))"/g)].map((match) => match[1]!);
  expect(new Set(links).size).toBe(2);
  for (const link of new Set(links)) {
    const asset = await fetch(new URL(link, apiBase));
    expect({ link, status: asset.status }).toEqual({ link, status: 200 });
    expect(asset.headers.get('content-type')).toMatch(link.endsWith('.css') ? /^text\/css/ : /^image\/svg\+xml/);
  }
}

async function expectInvalidToken(response: Response) {
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm=".*", error="invalid_token"/);
}

describe('the protected API', () => {
  it('accepts a valid JWT access token with the route scope', async () => {
    const response = await get('/protected', `Bearer ${await token()}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ sub: 'user-1', client_id: 'c1' });
  });

  it('answers JSON with its type, its exact length and no-store', async () => {
    const response = await get('/protected', `Bearer ${await token()}`);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('content-length')).toBe(String(bytes.length));
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(JSON.parse(bytes.toString('utf8'))).toMatchObject({ message: 'Hello from the protected API', sub: 'user-1' });
  });

  it('asks for a token (401, Bearer and DPoP challenges without error code) when none is sent', async () => {
    const response = await get('/protected');
    expect(response.status).toBe(401);
    // Both schemes are offered (RFC 9110 §11.6.1); the DPoP one names the proof algorithms (RFC 9449 §7.1).
    expect(response.headers.get('www-authenticate')).toBe(`Bearer realm="${AUDIENCE}", DPoP realm="${AUDIENCE}", algs="ES256 Ed25519 EdDSA"`);
  });

  it('rejects an expired token', async () => {
    await expectInvalidToken(await get('/protected', `Bearer ${await token({ expiresIn: Math.floor(Date.now() / 1000) - 60 })}`));
  });

  it('rejects a token for another audience', async () => {
    await expectInvalidToken(await get('/protected', `Bearer ${await token({ claims: { aud: 'https://other.example.test' } })}`));
  });

  it('rejects a token from another issuer', async () => {
    await expectInvalidToken(await get('/protected', `Bearer ${await token({ claims: { iss: 'https://evil.example.test' } })}`));
  });

  it('rejects a JWT that is not an access token (typ other than at+jwt, e.g. an ID token)', async () => {
    await expectInvalidToken(await get('/protected', `Bearer ${await token({ header: { typ: 'JWT' } })}`));
  });

  it('rejects alg none', async () => {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${encode({ alg: 'none', typ: 'at+jwt' })}.${encode({ iss: ISSUER, aud: AUDIENCE, sub: 'u', client_id: 'c1', scope: 'api:read', iat: now, exp: now + 60, jti: 'x' })}.`;
    await expectInvalidToken(await get('/protected', `Bearer ${unsigned}`));
  });

  it('rejects a token signed by a key it does not trust, even with that key embedded in the header', async () => {
    const embedded = await exportJWK(otherPair.publicKey);
    await expectInvalidToken(await get('/protected', `Bearer ${await token({ key: otherKey, header: { jwk: embedded, kid: 'k1' } })}`));
  });

  it('refuses a token in the query string', async () => {
    const response = await get(`/protected?access_token=${await token()}`);
    expect(response.status).toBe(400);
    expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_request"/);
  });

  it('takes the scheme in any letter case, with one or more spaces before the token (RFC 9110 §11.1)', async () => {
    const valid = await token();
    expect((await get('/protected', `bearer ${valid}`)).status).toBe(200);
    expect((await get('/protected', `BEARER   ${valid}`)).status).toBe(200);
  });

  it.each([
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['no space after the scheme', 'Bearertoken'],
  ])('answers 401 with both challenges and no error code (RFC 6750 §3.1) for %s', async (_case, authorization) => {
    const response = await get('/protected', authorization);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(`Bearer realm="${AUDIENCE}", DPoP realm="${AUDIENCE}", algs="ES256 Ed25519 EdDSA"`);
  });

  it.each([
    ['a scheme and no token', 'Bearer'],
    ['a scheme and spaces', 'Bearer   '],
    ['two words after the scheme', 'Bearer abc def'],
    ['a tab after the scheme', 'Bearer\tabc'],
    ['a token that is not a b64token', 'Bearer to"ken'],
  ])('answers 400 invalid_request, saying the token is malformed, for %s', async (_case, authorization) => {
    const response = await get('/protected', authorization);
    expect(response.status).toBe(400);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="[^"]*", error="invalid_request", error_description="The access token is malformed/);
    expect(await response.json()).toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(/^The access token is malformed/) });
  });

  it('refuses two Authorization headers (400 invalid_request), whichever holds the valid token', async () => {
    const valid = `Bearer ${await token()}`;
    for (const lines of [[valid, 'Bearer xyz'], ['Bearer xyz', valid]]) {
      const response = await new Promise<IncomingMessage>((resolve, reject) => {
        request(`${base}/protected`, { headers: ['host', new URL(base).host, ...lines.flatMap((line) => ['authorization', line])] }, resolve).on('error', reject).end();
      });
      response.resume();
      expect(response.statusCode).toBe(400);
      expect(response.headers['www-authenticate']).toMatch(/error="invalid_request"/);
    }
  });

  it('refuses a message whose JSON body also carries an access_token (RFC 6750 §2: one method per request)', async () => {
    const response = await fetch(`${base}/protected/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await token({ claims: { scope: 'api:write' } })}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hi', access_token: await token({ claims: { scope: 'api:write' } }) }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(/Authorization header/) });
  });

  it('says which part of a token was not accepted: a wrong typ is its typ header', async () => {
    const response = await get('/protected', `Bearer ${await token({ header: { typ: 'JWT' } })}`);
    expect(response.headers.get('www-authenticate')).toContain('error_description="The access token\'s typ header is not accepted"');
  });

  it('takes only the exact token that verified: appended characters are checked anew', async () => {
    const valid = await token();
    expect((await get('/protected', `Bearer ${valid}`)).status).toBe(200);
    await expectInvalidToken(await get('/protected', `Bearer ${valid}x`));
    const withComma = await get('/protected', `Bearer ${valid},`);
    expect(withComma.status).toBe(400);
    expect(withComma.headers.get('www-authenticate')).toMatch(/error="invalid_request"/);
  });

  it('matches scopes whole: api:readonly does not grant api:read, a list that holds api:read does', async () => {
    expect((await get('/protected', `Bearer ${await token({ claims: { scope: 'api:readonly' } })}`)).status).toBe(403);
    expect((await get('/protected', `Bearer ${await token({ claims: { scope: 'openid api:read profile' } })}`)).status).toBe(200);
  });

  it('answers 403 insufficient_scope when the scope is missing', async () => {
    const response = await get('/protected', `Bearer ${await token({ claims: { scope: 'other' } })}`);
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toMatch(/error="insufficient_scope", error_description="[^"]*", scope="api:read"/);
  });
});

describe('the protected API routes', () => {
  it('answers an unknown path with a JSON 404, and a page to a browser', async () => {
    const response = await get('/nope');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'not_found', error_description: 'not found' });
    const page = await fetch(`${base}/nope`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('serves the stylesheet and logo its pages link, from its own origin (the CSP allows no other)', async () => {
    await expectPageWithItsAssets(base);
  });

  it('answers a method a route does not take with 405, naming the ones it takes in Allow', async () => {
    for (const [method, path, allow] of [['DELETE', '/protected', 'HEAD, GET'], ['POST', '/', 'HEAD, GET'], ['GET', '/protected/messages', 'POST']]) {
      const response = await fetch(`${base}${path!}`, { method });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe(allow);
      expect(await response.json()).toMatchObject({ error: 'invalid_request' });
    }
  });

  it('lists the methods for OPTIONS, and answers HEAD as GET without a body', async () => {
    const options = await fetch(`${base}/protected`, { method: 'OPTIONS' });
    expect(options.status).toBe(200);
    expect(options.headers.get('allow')).toBe('HEAD, GET');
    const head = await fetch(`${base}/protected`, { method: 'HEAD', headers: { authorization: `Bearer ${await token()}` } });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const answer = await get('/protected', `Bearer ${await token()}`);
    expect(head.headers.get('content-length')).toBe(answer.headers.get('content-length'));
    expect(await head.text()).toBe('');
  });

  it('takes a path with one trailing slash as the path; the path is case-sensitive', async () => {
    expect((await get('/protected/', `Bearer ${await token()}`)).status).toBe(200);
    expect((await get('/PROTECTED', `Bearer ${await token()}`)).status).toBe(404);
  });
});

/** Runs `probe` against an API whose authorization server publishes its keys at `jwksUri`. */
async function withApi(jwksUri: string, probe: (api: string) => Promise<void>, logger = createLogger({ level: 'silent' })) {
  const api = createServer(createApiApp({
    issuer: ISSUER, audience: AUDIENCE, jwksUri, logger,
    views: createViews({ viewsDir: 'views', assetsPath: '/assets', cache: false }),
  }).callback()).listen(0, '127.0.0.1');
  await new Promise((resolve) => api.once('listening', resolve));
  try {
    await probe(`http://127.0.0.1:${(api.address() as AddressInfo).port}`);
  } finally {
    await new Promise<void>((resolve) => api.close(() => resolve()));
  }
}

/** A JWKS endpoint publishing one key, that counts the requests it gets. */
async function jwksEndpoint() {
  const jwk: JWK = { ...(await exportJWK(otherPair.publicKey)), kid: 'k2', alg: 'ES256' };
  let fetches = 0;
  const jwks = createServer((_, response) => {
    fetches++;
    response.end(JSON.stringify({ keys: [jwk] }));
  }).listen(0, '127.0.0.1');
  await new Promise((resolve) => jwks.once('listening', resolve));
  return {
    uri: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`,
    fetches: () => fetches,
    close: () => {
      jwks.closeAllConnections();
      return new Promise<void>((resolve) => jwks.close(() => resolve()));
    },
  };
}

describe('the protected API health', () => {
  it('answers readiness from the keys it holds: twenty probes make one JWKS fetch, not twenty', async () => {
    const jwks = await jwksEndpoint();
    try {
      await withApi(jwks.uri, async (api) => {
        for (let i = 0; i < 20; i++) expect((await fetch(`${api}/readyz`)).status).toBe(200);
      });
      expect(jwks.fetches()).toBe(1);
    } finally {
      await jwks.close();
    }
  });

  it('stays ready when the authorization server goes away while the keys it fetched still serve', async () => {
    const jwks = await jwksEndpoint();
    let closed = false;
    try {
      await withApi(jwks.uri, async (api) => {
        expect((await fetch(`${api}/readyz`)).status).toBe(200);
        await jwks.close();
        closed = true;
        expect((await fetch(`${api}/readyz`)).status).toBe(200);
      });
    } finally {
      if (!closed) await jwks.close();
    }
  });

  it('is ready once the authorization server\'s keys can be fetched, and says how many', async () => {
    const jwk: JWK = { ...(await exportJWK(otherPair.publicKey)), kid: 'k2', alg: 'ES256' };
    const jwks = createServer((_, response) => response.end(JSON.stringify({ keys: [jwk] }))).listen(0, '127.0.0.1');
    await new Promise((resolve) => jwks.once('listening', resolve));
    try {
      await withApi(`http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`, async (api) => {
        const ready = await fetch(`${api}/readyz`);
        expect(ready.status).toBe(200);
        expect(ready.headers.get('cache-control')).toBe('no-store');
        expect(await ready.json()).toEqual({ status: 'ready', keys: 1 });
      });
    } finally {
      await new Promise<void>((resolve) => jwks.close(() => resolve()));
    }
  });

  it('is not ready while the keys cannot be fetched, naming where it looks; it stays alive (/healthz 200)', async () => {
    const jwksUri = `http://127.0.0.1:${await freePort()}/jwks`;
    await withApi(jwksUri, async (api) => {
      const ready = await fetch(`${api}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: 'unavailable', jwks_uri: jwksUri });
      const alive = await fetch(`${api}/healthz`);
      expect(alive.status).toBe(200);
      expect(await alive.json()).toEqual({ status: 'ok' });
    });
  });
});

describe('the protected API shutting down', () => {
  it('is not ready once it drains (503 "draining"), so that a load balancer stops sending it requests; it stays alive', async () => {
    let draining = false;
    const app = createApiApp({
      issuer: ISSUER, audience: AUDIENCE, jwksUri: 'https://unused.example.test/jwks', keys: { getKey: createLocalJWKSet({ keys: [] }), usableKeys: () => Promise.resolve(0) },
      logger: createLogger({ level: 'silent' }), views: createViews({ viewsDir: 'views', assetsPath: '/assets', cache: false }), draining: () => draining,
    });
    const api = createServer(app.callback()).listen(0, '127.0.0.1');
    await new Promise((resolve) => api.once('listening', resolve));
    try {
      const url = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
      draining = true;
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: 'draining', jwks_uri: 'https://unused.example.test/jwks' });
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      api.closeAllConnections();
      await new Promise<void>((resolve) => api.close(() => resolve()));
    }
  });
});

describe('the protected API whose authorization server\'s keys cannot be fetched', () => {
  it('answers a token 503 temporarily_unavailable with Retry-After, never invalid_token, so the client keeps it', async () => {
    const jwksUri = `http://127.0.0.1:${await freePort()}/jwks`;
    await withApi(jwksUri, async (api) => {
      const response = await fetch(`${api}/protected`, { headers: { authorization: `Bearer ${await token()}` } });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
      expect(response.headers.get('www-authenticate') ?? '').not.toMatch(/invalid_token/);
      expect(await response.json()).toEqual({ error: 'temporarily_unavailable', error_description: expect.any(String) });
    });
  });

  it('refuses every token, and says why in its log once (at warn), naming where it looks', async () => {
    const jwksUri = `http://127.0.0.1:${await freePort()}/jwks`;
    const { logger, lines } = captureLogs('warn');
    await withApi(jwksUri, async (api) => {
      for (let i = 0; i < 3; i++) {
        expect((await fetch(`${api}/protected`, { headers: { authorization: `Bearer ${await token()}` } })).status).toBe(503);
      }
    }, logger);
    const warnings = lines.map((line) => JSON.parse(line) as { level: number; msg: string; jwksUri?: string }).filter((line) => line.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ jwksUri, msg: expect.stringMatching(/cannot fetch the authorization server's signing keys/) });
  });
});

describe('the protected API next to a running Gatehouse', () => {
  it('rejects our own ID token presented as an access token', async () => {
    const gatehouse = await startTestGatehouse();
    try {
      const config = await discoverClient(gatehouse.issuer, DEMO_CONFIDENTIAL.id, DEMO_CONFIDENTIAL.secret);
      const { tokens } = await signIn(config, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid api:read', resource: gatehouse.apiUrl });
      const withIdToken = await fetch(`${gatehouse.apiUrl}/protected`, { headers: { authorization: `Bearer ${tokens.id_token}` } });
      expect(withIdToken.status).toBe(401);
      expect(withIdToken.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
      const withAccessToken = await fetch(`${gatehouse.apiUrl}/protected`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      expect(withAccessToken.status).toBe(200);
    } finally {
      await gatehouse.close();
    }
  });

  it('shows a browser its pages with their stylesheet and logo', async () => {
    const gatehouse = await startTestGatehouse();
    try {
      await expectPageWithItsAssets(gatehouse.apiUrl);
    } finally {
      await gatehouse.close();
    }
  });
});

describe('the protected API on its own (compose\'s api service)', () => {
  it('whose port is taken logs one line saying why it did not start and exits 1, without a stack trace', async () => {
    await expectFailedStartOnTakenPort((port) => runMain(
      { API_PORT: String(port), API_HOST: '127.0.0.1', ISSUER: 'http://127.0.0.1:9', METRICS_ENABLED: 'false' },
      { entry: 'src/api-main.ts' },
    ));
  });

  it('behind a TLS proxy with TRUST_PROXY=true takes the scheme from X-Forwarded-Proto: a DPoP proof for the https URL is accepted', async () => {
    const issuer = await startTestIssuer();
    const audience = 'https://api.example.test';
    const env = { ISSUER: issuer.issuer, API_JWKS_URI: issuer.jwksUri, API_AUDIENCE: audience };
    const trusting = await startStandaloneApi({ ...env, TRUST_PROXY: 'true' });
    const untrusting = await startStandaloneApi(env);
    try {
      const dpopKey = await generateKeyPair('ES256');
      const accessToken = await issuer.dpopToken(audience, dpopKey);
      // What the proxy forwards: the client called https://api.example.test/protected.
      const call = async (api: { url: string }) => fetch(`${api.url}/protected`, {
        headers: {
          authorization: `DPoP ${accessToken}`, dpop: await dpopProof(dpopKey, `${audience}/protected`, accessToken),
          'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.test',
        },
      });
      expect((await call(trusting)).status).toBe(200);
      // Without TRUST_PROXY the headers are ignored (anyone could send them): the URL stays http.
      const refused = await call(untrusting);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toMatch(/error="invalid_dpop_proof", error_description="The DPoP proof was made for another URL"/);
    } finally {
      await trusting.stop();
      await untrusting.stop();
      await issuer.close();
    }
  });
});
