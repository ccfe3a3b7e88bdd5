import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { Browser, findForm, type Page } from '../helpers/browser.js';
import { freePort } from '../helpers/free-port.js';
import { DEMO_CONFIDENTIAL, signIn } from '../helpers/oauth.js';
import { authorizationUrl, basicAuth, pkcePair, postForm } from '../helpers/requests.js';
import { startTestGatehouse } from '../helpers/start-gatehouse.js';
import { useGatehouse } from '../helpers/use-gatehouse.js';

const { server, clients } = useGatehouse({ clients: { confidential: DEMO_CONFIDENTIAL } });
const html = { accept: 'text/html' };

function expectSecurityHeaders(headers: Headers, label: string) {
  const csp = headers.get('content-security-policy') ?? '';
  const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
  try {
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(directives.get('script-src')?.join(' ')).not.toMatch(/unsafe-inline|unsafe-eval|\*|https?:/);
    expect(headers.get('x-frame-options')).toBe('DENY');
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('referrer-policy')).toBe('no-referrer');
  } catch (error) {
    throw new Error(`${label}: ${(error as Error).message}`);
  }
}

/** Every inline script on the page is allowed by its hash in the page's CSP; no external or inline-handler script. */
function expectOnlyHashedScripts(page: { html: string; headers: Headers }) {
  const csp = page.headers.get('content-security-policy')!;
  for (const [, body] of page.html.matchAll(/<script>([\s\S]*?)<\/script>/g)) {
    const hash = createHash('sha256').update(body!).digest('base64');
    expect(csp).toContain(`'sha256-${hash}'`);
  }
  expect(page.html).not.toMatch(/<script[^>]+src=/);
  expect(page.html).not.toMatch(/\son[a-z]+="/);
}

describe('headers on every page', () => {
  it('login, consent, logout, logged-out and error pages carry the strict CSP, no framing, nosniff and no-referrer', async () => {
    const pages: [string, Page][] = [];
    const browser = new Browser();
    const login = await browser.open(authorizationUrl(server.issuer, { scope: 'openid email', code_challenge: (await pkcePair()).challenge, code_challenge_method: 'S256' }));
    pages.push(['login', login]);
    const consent = await browser.submit(login, '/login', { username: 'demo', password: 'demo' });
    pages.push(['consent', consent]);
    const failedLogin = await new Browser().open(authorizationUrl(server.issuer, { code_challenge: (await pkcePair()).challenge, code_challenge_method: 'S256' }));
    pages.push(['oidc-provider error page', await new Browser().open(authorizationUrl(server.issuer, { client_id: 'nope' }))]);
    const ourError = await fetch(`${server.issuer}/interaction/unknown-interaction`, { headers: html });
    pages.push(['our error page', { url: new URL(ourError.url), status: ourError.status, headers: ourError.headers, html: await ourError.text() }]);
    const notFound = await fetch(`${server.issuer}/no/such/page`, { headers: html });
    pages.push(['404 page', { url: new URL(notFound.url), status: notFound.status, headers: notFound.headers, html: await notFound.text() }]);

    const signedIn = await signIn(clients.confidential, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid' });
    const logoutUrl = new URL(`${server.issuer}/oauth/logout`);
    logoutUrl.searchParams.set('id_token_hint', signedIn.tokens.id_token!);
    const logout = await signedIn.browser.open(logoutUrl);
    pages.push(['logout', logout]);
    const loggedOut = await signedIn.browser.submit(logout, '/oauth/logout/confirm', { logout: 'yes' });
    pages.push(['logged out', loggedOut]);
    expect(failedLogin.status).toBe(200);

    for (const [label, page] of pages) {
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expectSecurityHeaders(page.headers, label);
      expect(page.headers.get('cache-control')).toBe('no-store');
      expectOnlyHashedScripts(page);
    }
  });

  it('the response_mode=form_post page allows its one inline script by hash, and nothing else', async () => {
    const browser = new Browser();
    const login = await browser.open(authorizationUrl(server.issuer, {
      response_mode: 'form_post', code_challenge: (await pkcePair()).challenge, code_challenge_method: 'S256',
    }));
    const consent = await browser.submit(login, '/login', { username: 'demo', password: 'demo' });
    const formPost = await browser.submit(consent, '/consent', { decision: 'allow' });
    expect(formPost.html).toContain('<form method="post" action="http://localhost:8080/callback">');
    expectSecurityHeaders(formPost.headers, 'form_post');
    expect(formPost.headers.get('content-security-policy')).toMatch(/script-src 'sha256-[\w+/=]+'/);
    expect(formPost.html).toMatch(/<script>/);
    expectOnlyHashedScripts(formPost);
    expect(findForm(formPost.html, 'localhost:8080').hidden['state']).toBe('state-123');
  });

  it('JSON endpoints carry the same headers', async () => {
    for (const path of ['/.well-known/openid-configuration', '/oauth/jwks', '/healthz', '/oauth/userinfo', '/no/such/thing']) {
      expectSecurityHeaders((await fetch(`${server.issuer}${path}`)).headers, path);
    }
  });

  it('no HSTS on a plain-http development issuer (it would pin localhost to https)', async () => {
    expect((await fetch(`${server.issuer}/.well-known/openid-configuration`)).headers.get('strict-transport-security')).toBeNull();
  });
});

describe('Cache-Control: no-store on responses that carry tokens or personal data', () => {
  it('token, userinfo and introspection responses are never cached', async () => {
    const token = await postForm(`${server.issuer}/oauth/token`, { grant_type: 'client_credentials' }, { authorization: basicAuth(DEMO_CONFIDENTIAL.id, DEMO_CONFIDENTIAL.secret) });
    expect(token.headers.get('cache-control')).toBe('no-store');
    const { access_token: clientToken } = await token.json() as { access_token: string };

    const { tokens } = await signIn(clients.confidential, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid email' });
    const userinfo = await fetch(`${server.issuer}/oauth/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(userinfo.status).toBe(200);
    expect(userinfo.headers.get('cache-control')).toBe('no-store');

    const introspection = await postForm(`${server.issuer}/oauth/introspect`, { token: clientToken }, { authorization: basicAuth(DEMO_CONFIDENTIAL.id, DEMO_CONFIDENTIAL.secret) });
    expect(introspection.status).toBe(200);
    expect(await introspection.json()).toMatchObject({ active: true });
    expect(introspection.headers.get('cache-control')).toBe('no-store');

    const failedUserinfo = await fetch(`${server.issuer}/oauth/userinfo`, { headers: { authorization: 'Bearer nope' } });
    expect(failedUserinfo.headers.get('cache-control')).toBe('no-store');
  });
});

describe('HSTS in production (https issuer)', () => {
  it('an https issuer sends Strict-Transport-Security on every response', async () => {
    const port = await freePort();
    const tls = await startTestGatehouse({ PORT: String(port), ISSUER: 'https://id.example.test' });
    try {
      for (const path of ['/.well-known/openid-configuration', '/no/such/page', '/healthz']) {
        const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers: html });
        expect(response.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
      }
    } finally {
      await tls.close();
    }
  });
});
