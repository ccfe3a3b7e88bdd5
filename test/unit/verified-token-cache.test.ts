import { describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPair, SignJWT } from 'jose';
import Koa from 'koa';
import { bearerAuth, type AccessTokenClaims } from '../../src/resource-server/bearer-auth.js';
import { createVerifiedTokenCache } from '../../src/resource-server/verified-token-cache.js';

describe('the verified-token cache', () => {
  it('answers for a token until its exp, and never longer than maxAgeMs', () => {
    let now = 1_000_000_000_000;
    const cache = createVerifiedTokenCache<{ exp: number }>({ maxAgeMs: 60_000, now: () => now });
    cache.set('short-lived', { exp: now / 1000 + 10 });
    cache.set('long-lived', { exp: now / 1000 + 3600 });
    expect(cache.get('short-lived')).toBeDefined();
    now += 10_000;
    expect(cache.get('short-lived')).toBeUndefined();
    expect(cache.get('long-lived')).toBeDefined();
    now += 50_000;
    expect(cache.get('long-lived')).toBeUndefined();
  });

  it('does not keep tokens that are expired or have no exp, and stays within maxEntries', () => {
    const cache = createVerifiedTokenCache<{ exp?: number }>({ maxEntries: 2 });
    cache.set('expired', { exp: Math.floor(Date.now() / 1000) - 1 });
    cache.set('no-exp', {});
    expect(cache.get('expired')).toBeUndefined();
    expect(cache.get('no-exp')).toBeUndefined();
    const exp = Math.floor(Date.now() / 1000) + 60;
    cache.set('a', { exp });
    cache.set('b', { exp });
    cache.set('c', { exp });
    expect([cache.get('a'), cache.get('b'), cache.get('c')].map(Boolean)).toEqual([false, true, true]);
  });

  it('answers only for the exact token, not for another one with the same signature', () => {
    const cache = createVerifiedTokenCache<{ exp: number }>();
    const exp = Math.floor(Date.now() / 1000) + 60;
    const signature = 'MEUCIQDkq7Jr4kTx0nCz5vS1pQWZc8yqN2E3Lh9aFgBYt0sRfwIgZ3Xo';
    cache.set(`header.payload.${signature}`, { exp });
    expect(cache.get(`header.payload.${signature}`)).toEqual({ exp });
    expect(cache.get(`header.other-payload.${signature}`)).toBeUndefined();
    expect(cache.get(`xheader.payload.${signature}`)).toBeUndefined();
    expect(cache.get(signature)).toBeUndefined();
    expect(cache.get(signature.slice(-24))).toBeUndefined();
  });
});

describe('bearer authentication with the cache', () => {
  it('a token that differs from a cached one by one character is still rejected', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const issuer = 'https://issuer.test';
    const audience = 'https://api.test';
    const token = await new SignJWT({ client_id: 'c', scope: 'api:read' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
      .setIssuer(issuer).setAudience(audience).setSubject('user').setJti('j1').setIssuedAt().setExpirationTime('5m')
      .sign(privateKey);
    const app = new Koa();
    app.use(bearerAuth({ issuer, audience, keys: async () => publicKey, cache: createVerifiedTokenCache<AccessTokenClaims>() }));
    app.use((ctx) => {
      ctx.body = { sub: (ctx.state['token'] as AccessTokenClaims).sub };
    });
    const server = createServer(app.callback()).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const call = (bearer: string) => fetch(url, { headers: { authorization: `Bearer ${bearer}` } });
    try {
      expect((await call(token)).status).toBe(200);
      expect((await call(token)).status).toBe(200);
      const last = token.at(-2) === 'A' ? 'B' : 'A';
      const tampered = `${token.slice(0, -2)}${last}${token.at(-1)}`;
      const response = await call(tampered);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');

      // The cached token's signature under another payload (a wider scope): not the bytes that verified.
      const [header, payload, signature] = token.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
      const widened = Buffer.from(JSON.stringify({ ...claims, scope: 'api:read api:write' })).toString('base64url');
      const spliced = await call(`${header}.${widened}.${signature}`);
      expect(spliced.status).toBe(401);
      expect(spliced.headers.get('www-authenticate')).toContain('error="invalid_token"');
      expect((await call(token)).status).toBe(200);
    } finally {
      server.close();
    }
  });
});
