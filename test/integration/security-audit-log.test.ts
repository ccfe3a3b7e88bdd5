import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as client from 'openid-client';
import { Browser, findForm } from '../helpers/browser.js';
import { authorize, DEMO_CONFIDENTIAL, DEMO_PUBLIC, discoverClient } from '../helpers/oauth.js';
import { authorizationUrl, basicAuth, pkcePair, postForm } from '../helpers/requests.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/start-gatehouse.js';

/** A browser that remembers every cookie value it was ever given (the jar forgets deleted ones). */
class RecordingBrowser extends Browser {
  readonly cookieValues = new Set<string>();

  override async request(url: URL, init: RequestInit): Promise<Response> {
    const response = await super.request(url, init);
    for (const cookie of response.headers.getSetCookie()) {
      const value = cookie.split(';')[0]!.split('=').slice(1).join('=');
      if (value) this.cookieValues.add(value);
    }
    return response;
  }
}

let server: TestGatehouse;
/** Every credential the flows below used or were given: none may appear in any log line. */
const secrets = new Set<string>();
const keep = (...values: (string | undefined | null)[]) => values.forEach((value) => value && secrets.add(value));

const WRONG_PASSWORD = 'Tr0ub4dor&3-wrong-horse';
const UNKNOWN_USER_PASSWORD = 'correct-horse-battery-staple-9';

beforeAll(async () => {
  server = await startTestGatehouse({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '2' });
  const browsers: RecordingBrowser[] = [];
  const newBrowser = () => {
    const browser = new RecordingBrowser();
    browsers.push(browser);
    return browser;
  };
  keep(DEMO_CONFIDENTIAL.secret, WRONG_PASSWORD, UNKNOWN_USER_PASSWORD);
  const confidential = await discoverClient(server.issuer, DEMO_CONFIDENTIAL.id, DEMO_CONFIDENTIAL.secret);
  const publicClient = await discoverClient(server.issuer, DEMO_PUBLIC.id);

  // Failed sign-ins: a wrong password, then an unknown account until it is locked.
  const failing = newBrowser();
  let page = await failing.open(authorizationUrl(server.issuer, { code_challenge: (await pkcePair()).challenge, code_challenge_method: 'S256' }));
  const loginForm = findForm(page.html, '/login');
  keep(loginForm.hidden['csrf']);
  // A post without its CSRF token is rejected (and logged as such, by route, not by interaction id).
  await failing.request(new URL(loginForm.action, page.url), {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `username=demo&password=${WRONG_PASSWORD}`,
  });
  page = await failing.submit(page, '/login', { username: 'demo', password: WRONG_PASSWORD });
  for (let i = 0; i < 3; i++) page = await failing.submit(page, '/login', { username: 'mallory-unknown', password: UNKNOWN_USER_PASSWORD });

  // Authorization code + PKCE with consent, refresh, userinfo, introspection, revocation.
  const browser = newBrowser();
  const result = await authorize(confidential, browser, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid profile email offline_access', extra: { prompt: 'consent' } });
  const code = result.callback.searchParams.get('code')!;
  keep(code, result.codeVerifier, result.state, result.nonce);
  const tokens = await client.authorizationCodeGrant(confidential, result.callback, {
    pkceCodeVerifier: result.codeVerifier, expectedState: result.state, expectedNonce: result.nonce,
  });
  keep(tokens.access_token, tokens.refresh_token, tokens.id_token);
  await client.fetchUserInfo(confidential, tokens.access_token, tokens.claims()!.sub);
  const refreshed = await client.refreshTokenGrant(confidential, tokens.refresh_token!);
  keep(refreshed.access_token, refreshed.refresh_token, refreshed.id_token);
  const auth = { authorization: basicAuth(DEMO_CONFIDENTIAL.id, DEMO_CONFIDENTIAL.secret) };
  await postForm(`${server.issuer}/oauth/introspect`, { token: refreshed.access_token }, auth);
  await postForm(`${server.issuer}/oauth/revoke`, { token: refreshed.refresh_token!, token_type_hint: 'refresh_token' }, auth);

  // A code replayed: the grant is revoked.
  const replayed = await authorize(publicClient, newBrowser(), { redirectUri: DEMO_PUBLIC.redirectUri, scope: 'openid', extra: { prompt: 'consent' } });
  keep(replayed.callback.searchParams.get('code'), replayed.codeVerifier);
  const redeem = () => postForm(`${server.issuer}/oauth/token`, {
    grant_type: 'authorization_code', code: replayed.callback.searchParams.get('code')!, code_verifier: replayed.codeVerifier,
    redirect_uri: DEMO_PUBLIC.redirectUri, client_id: DEMO_PUBLIC.id,
  });
  const first = await (await redeem()).json() as { access_token: string; id_token: string };
  keep(first.access_token, first.id_token);
  await redeem();

  // Client credentials.
  const machine = await (await postForm(`${server.issuer}/oauth/token`, { grant_type: 'client_credentials' }, auth)).json() as { access_token: string };
  keep(machine.access_token);

  // Dynamic registration and management (RFC 7591/7592).
  const registered = await (await fetch(`${server.issuer}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ redirect_uris: ['https://rp.example/cb'], client_name: 'Audit RP' }),
  })).json() as { client_id: string; client_secret: string; registration_access_token: string; registration_client_uri: string };
  keep(registered.client_secret, registered.registration_access_token);
  const updated = await (await fetch(registered.registration_client_uri, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${registered.registration_access_token}` },
    body: JSON.stringify({ client_id: registered.client_id, client_secret: registered.client_secret, redirect_uris: ['https://rp.example/cb2'], client_name: 'Audit RP 2' }),
  })).json() as { client_secret: string; registration_access_token: string };
  keep(updated.client_secret, updated.registration_access_token);
  // An update whose JSON breaks right at the secret: the parser's message quotes the text around it.
  await fetch(registered.registration_client_uri, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${updated.registration_access_token}` },
    body: `{"client_id":"${registered.client_id}","client_secret":'${updated.client_secret}'}`,
  });
  keep(updated.client_secret.slice(0, 8));
  await fetch(registered.registration_client_uri, { method: 'DELETE', headers: { authorization: `Bearer ${updated.registration_access_token}` } });

  // Logout.
  const logoutUrl = new URL(`${server.issuer}/oauth/logout`);
  logoutUrl.searchParams.set('id_token_hint', tokens.id_token!);
  const logout = await browser.open(logoutUrl);
  keep(findForm(logout.html, '/oauth/logout/confirm').hidden['xsrf']);
  await browser.submit(logout, '/oauth/logout/confirm', { logout: 'yes' });

  for (const recorded of browsers) recorded.cookieValues.forEach((value) => keep(value));
});
afterAll(() => server.close());

const events = () => server.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => typeof entry['event'] === 'string');

describe('audit log', () => {
  it('records sign-ins, lockouts, consents, tokens, revocations, client changes and logouts as structured events', () => {
    const names = new Set(events().map((entry) => entry['event']));
    for (const name of [
      'login.failed', 'login.lockout', 'login.throttled', 'login.succeeded', 'consent.granted', 'token.issued', 'grant.success',
      'token.consumed', 'token.revoked', 'grant.revoked', 'client.registered', 'client.updated', 'client.deleted', 'end_session.success',
    ]) {
      expect([name, names.has(name)]).toEqual([name, true]);
    }
  });

  it('ties every event to the request it happened in: its reqId is the one on that request\'s access line', () => {
    const lines = server.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
    const requestIds = new Set(lines.filter((entry) => entry['msg'] === 'request').map((entry) => entry['reqId']));
    expect(requestIds.size).toBeGreaterThan(20);
    for (const entry of events()) expect([entry['event'], requestIds.has(entry['reqId'])]).toEqual([entry['event'], true]);
  });

  it('token events name the client, account and kind of token, not the token', () => {
    const issued = events().filter((entry) => entry['event'] === 'token.issued');
    expect(issued.map((entry) => entry['kind'])).toEqual(expect.arrayContaining(['AuthorizationCode', 'AccessToken', 'RefreshToken', 'ClientCredentials']));
    for (const entry of issued) {
      expect(entry['clientId']).toBeTruthy();
      expect(Object.keys(entry)).not.toEqual(expect.arrayContaining(['jti']));
    }
  });

  it('no log line holds any secret, code, token, password, CSRF token or cookie value the flows used', () => {
    expect(secrets.size).toBeGreaterThan(25);
    expect(server.logs.length).toBeGreaterThan(30);
    for (const line of server.logs) {
      for (const secret of secrets) {
        if (line.includes(secret)) throw new Error(`a log line contains a secret (${secret.slice(0, 6)}…): ${line.slice(0, 300)}`);
      }
    }
    // The demo password is too short to search for as a substring: look for it as any logged value.
    const values = server.logs.flatMap((line) => Object.values(JSON.parse(line) as Record<string, unknown>));
    expect(values).not.toContain('demo');
  });
});
