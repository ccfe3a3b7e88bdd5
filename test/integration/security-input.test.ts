import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import { Browser, findForm } from '../helpers/browser.js';
import { DEMO_CONFIDENTIAL } from '../helpers/oauth.js';
import { authorizationUrl, basicAuth, looksLikeStackTrace, pkcePair, postForm, rawRequest, type RawResponse } from '../helpers/requests.js';
import { useGatehouse } from '../helpers/use-gatehouse.js';

const { server } = useGatehouse();
const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
const AUTH = basicAuth(DEMO_CONFIDENTIAL.id, DEMO_CONFIDENTIAL.secret);
const HUGE = 'x'.repeat(100_000);

interface Case {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** The status we answer; every one is a 4xx with an OAuth error or our page. */
  status: number;
  /** The OAuth error code, for JSON answers. */
  error?: string;
  /** Refused by Node's HTTP parser before Koa runs: answered by answerMalformedRequests, JSON whatever was asked for. */
  unparsed?: boolean;
}

/** A rejection that a client can act on: the expected 4xx, an OAuth error or our page, never internals. */
function expectClean(response: RawResponse, expected: Case, label: string) {
  const type = String(response.headers['content-type'] ?? '');
  const summary = `${label}: ${response.status} ${type} ${response.body.slice(0, 200)}`;
  if (response.status !== expected.status) throw new Error(`unexpected status: ${summary}`);
  expect(looksLikeStackTrace(response.body)).toBe(false);
  if (expected.unparsed && expected.method === 'HEAD') {
    // No body for HEAD: a client would read it as the start of the next response.
    expect([summary, response.body, response.headers['connection']]).toEqual([summary, '', 'close']);
    return;
  }
  if (expected.unparsed) {
    expect([summary, type, response.headers['connection']]).toEqual([summary, 'application/json; charset=utf-8', 'close']);
    expect(JSON.parse(response.body)).toEqual({ error: 'invalid_request', error_description: expect.stringMatching(/\S/) });
    return;
  }
  if (response.status >= 300 && response.status < 400) {
    expect(response.headers['location']).toBeTruthy();
    return;
  }
  if (response.status === 200) return;
  if (type.startsWith(JSON_TYPE)) {
    const body = JSON.parse(response.body) as { error?: string };
    expect([summary, body.error]).toEqual([summary, expected.error ?? expect.stringMatching(/^[a-z_]+$/)]);
  } else {
    expect([summary, type]).toEqual([summary, expect.stringMatching(/^text\/html/)]);
    expect(response.body).toContain('Gatehouse');
  }
}

async function run(label: string, cases: Case[], base = server.issuer) {
  for (const [index, c] of cases.entries()) {
    const response = await rawRequest(`${base}${c.path}`, {
      method: c.method ?? 'GET',
      path: c.path,
      headers: { ...(c.body !== undefined ? { 'content-length': String(Buffer.byteLength(c.body)) } : {}), ...c.headers },
      ...(c.body !== undefined ? { body: c.body } : {}),
    });
    expectClean(response, c, `${label} #${index} ${c.method ?? 'GET'} ${c.path.slice(0, 80)}`);
  }
}

const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}, status = 400, error?: string): Case =>
  ({ method: 'POST', path, body, headers: { 'content-type': FORM, ...headers }, status, ...(error ? { error } : {}) });

describe('malformed input gets a 4xx with an OAuth error or a friendly page, never a 500 or a stack trace', () => {
  it('authorization endpoint', async () => {
    const challenge = (await pkcePair()).challenge;
    const valid = authorizationUrl(server.issuer, { code_challenge: challenge, code_challenge_method: 'S256' }).search;
    const page = { headers: { accept: 'text/html' } };
    await run('authorize', [
      { path: '/oauth/authorize?client_id=%ZZ&response_type=code', ...page, status: 400 },
      { path: `/oauth/authorize${valid}&client_id=${DEMO_CONFIDENTIAL.id}`, ...page, status: 400 },
      { path: '/oauth/authorize?client_id=demo%00confidential&response_type=code', ...page, status: 400 },
      { path: `/oauth/authorize${valid.replace('state=state-123', 'state=a%00b')}`, ...page, status: 303 },
      { path: `/oauth/authorize?client_id=${'a'.repeat(8000)}`, ...page, status: 400 },
      { path: `/oauth/authorize?client_id=${'a'.repeat(20_000)}`, status: 431, unparsed: true },
      { path: '/oauth/authorize?client_id=\xff\xfe', ...page, status: 400, unparsed: true },
      { path: '/oauth/authorize', headers: { accept: 'text/html', 'x-padding': 'y'.repeat(20_000) }, status: 431, unparsed: true },
      { method: 'HEAD', path: '/oauth/authorize', headers: { 'x-padding': 'y'.repeat(20_000) }, status: 431, unparsed: true },
      // Authorization requests are GETs only here: a POST finds no route, whatever its body.
      { method: 'POST', path: '/oauth/authorize', headers: { 'content-type': JSON_TYPE, accept: 'text/html' }, body: '{"client_id":"demo-confidential"}', status: 404 },
      { method: 'POST', path: '/oauth/authorize', headers: { 'content-type': FORM, accept: 'text/html' }, body: HUGE, status: 404 },
    ]);
  });

  it('token endpoint', async () => {
    await run('token', [
      post('/oauth/token', 'grant_type=%ZZ', { authorization: AUTH }, 400, 'unsupported_grant_type'),
      post('/oauth/token', 'grant_type=client_credentials&grant_type=client_credentials', { authorization: AUTH }, 400, 'invalid_request'),
      post('/oauth/token', '{"grant_type":"client_credentials"}', { authorization: AUTH, 'content-type': JSON_TYPE }, 400, 'invalid_request'),
      post('/oauth/token', 'grant_type=client_credentials', { authorization: 'Basic %%%' }, 400, 'invalid_request'),
      post('/oauth/token', 'grant_type=client_credentials', { authorization: `Basic ${Buffer.from('\u0000:\u0000').toString('base64')}` }, 400, 'invalid_request'),
      // Braces in a client_id (Redis Cluster reads them as a hash tag): still just an unknown client.
      post('/oauth/token', 'grant_type=client_credentials', { authorization: basicAuth('}&l]_m}04J.', 'x') }, 401, 'invalid_client'),
      post('/oauth/token', 'grant_type=client_credentials', { authorization: basicAuth('{}a}', 'x') }, 401, 'invalid_client'),
      post('/oauth/token', 'grant_type=client_credentials&scope=openid%00', { authorization: AUTH }, 400, 'invalid_scope'),
      post('/oauth/token', Buffer.from('grant_type=client_credentials&scope=\xff\xfe', 'latin1'), { authorization: AUTH }, 400, 'invalid_scope'),
      post('/oauth/token', `grant_type=client_credentials&scope=${HUGE}`, { authorization: AUTH }, 400, 'invalid_request'),
      post('/oauth/token', 'grant_type=authorization_code&code=%00&redirect_uri=%00&code_verifier=%00', { authorization: AUTH }, 400),
      post('/oauth/token', 'grant_type=refresh_token&refresh_token=' + 'r'.repeat(5000), { authorization: AUTH }, 400, 'invalid_grant'),
    ]);
  });

  it('introspection and revocation endpoints', async () => {
    for (const endpoint of ['/oauth/introspect', '/oauth/revoke']) {
      await run(endpoint, [
        post(endpoint, 'token=a&token=b', { authorization: AUTH }, 400, 'invalid_request'),
        post(endpoint, 'token=a', { authorization: basicAuth('}&l]_m}04J.', 'x') }, 401, 'invalid_client'),
        post(endpoint, `token=${encodeURIComponent('{}a}b{')}`, { authorization: AUTH }, 200),
        post(endpoint, '{"token":"a"}', { authorization: AUTH, 'content-type': JSON_TYPE }, 400, 'invalid_request'),
        post(endpoint, 'token=a', { authorization: 'Basic !!!' }, 400, 'invalid_request'),
        post(endpoint, 'token=a', {}, 400, 'invalid_request'),
        post(endpoint, `token=${HUGE}`, { authorization: AUTH }, 400, 'invalid_request'),
        // RFC 7662 §2.2 / RFC 7009 §2.2: an unknown token is "inactive" / "revoked", not an error.
        post(endpoint, 'token=%ZZ%00', { authorization: AUTH }, 200),
        post(endpoint, 'token=a&token_type_hint=%00', { authorization: AUTH }, 200),
      ]);
    }
  });

  it('registration endpoint', async () => {
    const json = (body: string, status = 400, error = 'invalid_request'): Case =>
      ({ method: 'POST', path: '/oauth/register', body, headers: { 'content-type': JSON_TYPE }, status, error });
    await run('register', [
      post('/oauth/register', 'redirect_uris=https%3A%2F%2Fa.example%2Fcb', {}, 400, 'invalid_request'),
      json('{"redirect_uris":'),
      json('[1,2,3]'),
      json('"just a string"'),
      json(JSON.stringify({ redirect_uris: ['https://a.example/cb\u0000'] }), 400, 'invalid_redirect_uri'),
      json(JSON.stringify({ redirect_uris: ['https://a.example/cb'], client_name: 'nul\u0000byte' }), 400, 'invalid_client_metadata'),
      json(JSON.stringify({ redirect_uris: ['https://a.example/cb'], client_name: 'x'.repeat(60_000) })),
      json(JSON.stringify({ redirect_uris: 'not-a-list' }), 400, 'invalid_redirect_uri'),
      json(JSON.stringify({ redirect_uris: ['https://a.example/cb'], grant_types: ['password'] }), 400, 'invalid_client_metadata'),
      json(JSON.stringify({ redirect_uris: ['https://a.example/cb'], response_types: ['token'] }), 400, 'invalid_client_metadata'),
      json(JSON.stringify({ redirect_uris: ['https://a.example/cb'], first_party: true }), 400, 'invalid_client_metadata'),
      json('{"__proto__":{"admin":true},"redirect_uris":[]}', 400, 'invalid_redirect_uri'),
    ]);
  });

  it('userinfo endpoint', async () => {
    await run('userinfo', [
      { path: '/oauth/userinfo', headers: { authorization: 'Bearer' }, status: 400, error: 'invalid_request' },
      { path: '/oauth/userinfo', headers: { authorization: 'Bearer a b' }, status: 400, error: 'invalid_request' },
      { path: '/oauth/userinfo', headers: { authorization: `Bearer ${'t'.repeat(10_000)}` }, status: 401, error: 'invalid_token' },
      { path: '/oauth/userinfo', headers: { authorization: 'Basic !!!' }, status: 400, error: 'invalid_request' },
      { path: '/oauth/userinfo?access_token=abc', status: 400, error: 'invalid_request' },
      { path: '/oauth/userinfo?access_token=a&access_token=b', status: 400, error: 'invalid_request' },
      { path: '/oauth/userinfo', headers: { authorization: 'Bearer a\u0001b' }, status: 400, unparsed: true },
      { method: 'POST', path: '/oauth/userinfo', headers: { 'content-type': JSON_TYPE }, body: '{"access_token":"x"}', status: 400, error: 'invalid_request' },
    ]);
  });

  it('the protected API', async () => {
    await run('api', [
      { path: '/protected', headers: { authorization: 'Bearer a\u0001b' }, status: 400, unparsed: true },
      { path: '/protected', headers: { 'x-padding': 'y'.repeat(20_000) }, status: 431, unparsed: true },
    ], server.apiUrl);
  });

  it('CONNECT (a proxy tunnel) gets a 405 with an OAuth error, on both servers, instead of a dropped connection', async () => {
    for (const base of [server.issuer, server.apiUrl]) {
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(new URL(base).port), new URL(base).hostname, () => socket.write('CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: 127.0.0.1:80\r\n\r\n'));
        let received = '';
        socket.on('data', (chunk) => { received += chunk; });
        socket.on('close', () => resolve(received));
        socket.on('error', reject);
        socket.setTimeout(5000, () => socket.destroy(new Error('no answer')));
      });
      const [head, body] = answer.split('\r\n\r\n');
      expect([base, head!.split('\r\n')[0]]).toEqual([base, 'HTTP/1.1 405 Method Not Allowed']);
      expect(JSON.parse(body!)).toEqual({ error: 'invalid_request', error_description: expect.stringContaining('CONNECT') });
    }
  });

  it('a method our pages do not take gets a 405 naming the ones they do: our page for a browser, an OAuth error otherwise', async () => {
    const cases: [method: string, path: string, accept: string, allow: string][] = [
      ['POST', '/interaction/some-uid', 'text/html', 'HEAD, GET'],
      ['DELETE', '/interaction/some-uid/login', 'text/html', 'POST'],
      ['PUT', '/account/security', 'text/html', 'HEAD, GET'],
      // A method no route has ever heard of: @koa/router alone answers it 501 in plain text.
      ['PROPFIND', '/interaction/some-uid', 'application/json', 'HEAD, GET'],
    ];
    for (const [method, path, accept, allow] of cases) {
      const response = await fetch(`${server.issuer}${path}`, { method, headers: { accept } });
      const body = await response.text();
      const label = `${method} ${path}`;
      expect([label, response.status, response.headers.get('allow')]).toEqual([label, 405, allow]);
      expect(looksLikeStackTrace(body)).toBe(false);
      if (accept === 'text/html') expect([label, response.headers.get('content-type'), body.includes('Gatehouse')]).toEqual([label, expect.stringMatching(/^text\/html/), true]);
      else expect([label, JSON.parse(body)]).toEqual([label, { error: 'invalid_request', error_description: `Method not allowed: this page takes ${allow}` }]);
    }
  });

  it('the protected API\'s JSON bodies: unreadable ones are 4xx, and are read only after the token is checked', async () => {
    const response = await postForm(`${server.issuer}/oauth/token`, { grant_type: 'client_credentials', scope: 'api:read api:write', resource: server.apiUrl }, { authorization: AUTH });
    const { access_token: token } = await response.json() as { access_token: string };
    const message = (body: string | Buffer, headers: Record<string, string>, status: number): Case =>
      post('/protected/messages', body, { authorization: `Bearer ${token}`, 'content-type': JSON_TYPE, ...headers }, status);
    await run('api messages', [
      message('{"text":', {}, 400),
      message('{"text":"hi"', {}, 400),
      message('null', {}, 400),
      message('{"__proto__":{"admin":true},"text":"hi"}', {}, 400),
      message(`{"text":"${HUGE}"}`, {}, 413),
      message('not gzip', { 'content-encoding': 'gzip' }, 400),
      message('not brotli', { 'content-encoding': 'br' }, 400),
      message('not deflate', { 'content-encoding': 'deflate' }, 400),
      message(gzipSync('{"text":').subarray(0, 10), { 'content-encoding': 'gzip' }, 400),
      message('{"text":"hi"}', { 'content-encoding': 'zstd' }, 415),
      message('{"text":"hi"}', { 'content-type': 'text/plain' }, 400),
      // Without a token the body is never looked at.
      post('/protected/messages', '{"text":', { 'content-type': JSON_TYPE }, 401, 'unauthorized'),
      post('/protected/messages', 'not gzip', { 'content-type': JSON_TYPE, 'content-encoding': 'gzip' }, 401, 'unauthorized'),
    ], server.apiUrl);
    // Compressed and whole, it is read.
    const compressed = await rawRequest(`${server.apiUrl}/protected/messages`, {
      method: 'POST', body: gzipSync('{"text":"hi"}'),
      headers: { authorization: `Bearer ${token}`, 'content-type': JSON_TYPE, 'content-encoding': 'gzip' },
    });
    expect([compressed.status, JSON.parse(compressed.body).accepted?.text]).toEqual([201, 'hi']);
  });

  it('our login and consent forms, on a live interaction', async () => {
    const browser = new Browser();
    const login = await browser.open(authorizationUrl(server.issuer, { scope: 'openid email', code_challenge: (await pkcePair()).challenge, code_challenge_method: 'S256' }));
    const loginForm = findForm(login.html, '/login');
    const cookie = browser.cookieHeader(login.url);
    const page = { accept: 'text/html', cookie };
    const csrf = encodeURIComponent(loginForm.hidden['csrf']!);
    const loginPath = new URL(loginForm.action, login.url).pathname;
    await run('login form', [
      post(loginPath, `csrf=${csrf}&username=demo&username=demo&password=x`, page, 400),
      post(loginPath, `csrf=${csrf}&username=demo&password=x&password=y`, page, 400),
      post(loginPath, `csrf=${csrf}&username=de%00mo&password=%00`, page, 401),
      post(loginPath, `csrf=${csrf}&username=%ZZ&password=%E0%A4%A`, page, 401),
      post(loginPath, Buffer.from(`csrf=${csrf}&username=\xff\xfe&password=x`, 'latin1'), page, 401),
      post(loginPath, `csrf=${csrf}&username=${'u'.repeat(5000)}&password=${'p'.repeat(5000)}`, page, 401),
      post(loginPath, `csrf=${csrf}&username=demo&password=${HUGE}`, page, 413),
      post(loginPath, 'not gzip', { ...page, 'content-encoding': 'gzip' }, 400),
      post(loginPath, 'not brotli', { ...page, 'content-encoding': 'br' }, 400),
      post(loginPath, `csrf=${csrf}&username=demo&password=x`, { ...page, 'content-encoding': 'zstd' }, 415),
      post(loginPath, gzipSync(`csrf=${csrf}&username=demo&password=x`), { ...page, 'content-encoding': 'gzip' }, 401),
      post(loginPath, JSON.stringify({ csrf: loginForm.hidden['csrf'], username: 'demo', password: 'demo' }), { ...page, 'content-type': JSON_TYPE }, 403),
      post(loginPath, `csrf[]=${csrf}&username=demo&password=demo`, page, 403),
      post(loginPath, 'csrf=%00&username=demo&password=demo', page, 403),
      post(`${loginPath}%ZZ`, `csrf=${csrf}&username=demo&password=demo`, page, 404),
      post('/interaction/%ZZ/login', `csrf=${csrf}`, page, 400),
      { ...post('/interaction/\xff/login', `csrf=${csrf}`, page, 400), unparsed: true },
      { path: '/interaction/%00', headers: page, status: 400 },
    ]);

    const consent = await browser.submit(login, '/login', { username: 'demo', password: 'demo' });
    const consentForm = findForm(consent.html, '/consent');
    const consentPath = new URL(consentForm.action, consent.url).pathname;
    const consentCookie = { accept: 'text/html', cookie: browser.cookieHeader(consent.url) };
    const consentCsrf = encodeURIComponent(consentForm.hidden['csrf']!);
    await run('consent form', [
      post(consentPath, JSON.stringify({ csrf: consentForm.hidden['csrf'], decision: 'allow' }), { ...consentCookie, 'content-type': JSON_TYPE }, 403),
      post(consentPath, `csrf=${consentCsrf}&csrf=${consentCsrf}&decision=allow`, consentCookie, 403),
      post(consentPath, `csrf=${consentCsrf}&decision=${HUGE}`, consentCookie, 413),
      post(consentPath, `csrf=%ZZ&decision=allow`, consentCookie, 403),
      // Not one of the page's two answers: malformed, not a denial.
      post(consentPath, Buffer.from(`csrf=${consentCsrf}&decision=\xff`, 'latin1'), consentCookie, 400),
    ]);
  });
});
