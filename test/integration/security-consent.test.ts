import { describe, expect, it } from '@jest/globals';
import { Browser, findForm, type Page } from '../helpers/browser.js';
import { authorize, DEMO_CONFIDENTIAL, signIn } from '../helpers/oauth.js';
import { authorizationUrl, basicAuth, pkcePair, postForm } from '../helpers/requests.js';
import { useGatehouse } from '../helpers/use-gatehouse.js';

const { server, clients } = useGatehouse({ clients: { confidential: DEMO_CONFIDENTIAL } });

const XSS = '"><script>alert(1)</script><img src=x onerror=alert(2)>';

async function consentPageFor(params: Record<string, string>) {
  const browser = new Browser();
  const login = await browser.open(authorizationUrl(server.issuer, { code_challenge: (await pkcePair()).challenge, code_challenge_method: 'S256', ...params }));
  return { browser, login, consent: login.html.includes('/login"') ? await browser.submit(login, '/login', { username: 'demo', password: 'demo' }) : login };
}

/** Posts the consent form with `fields` over its hidden ones, without following the redirect. */
async function postConsent(browser: Browser, consent: Page, fields: Record<string, string | string[]>, accept = 'text/html'): Promise<Response> {
  const form = findForm(consent.html, '/consent');
  const body = new URLSearchParams(form.hidden);
  for (const [name, value] of Object.entries(fields)) {
    body.delete(name);
    for (const one of Array.isArray(value) ? value : [value]) body.append(name, one);
  }
  return browser.request(new URL(form.action, consent.url), {
    method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', accept },
  });
}

/** The `field` of each log line of `event` written since `from` (an index into the server's log). */
const logged = (from: number, event: string, field: string) => server.logs.slice(from)
  .filter((line) => line.includes(`"event":"${event}"`)).map((line) => (JSON.parse(line) as Record<string, unknown>)[field]);

const atClient = (url: URL) => url.origin === new URL(DEMO_CONFIDENTIAL.redirectUri).origin;

describe('consent', () => {
  it('names the client, each scope with what it allows, and the API it is for', async () => {
    const { consent } = await consentPageFor({ scope: 'openid email offline_access api:read', prompt: 'consent', resource: server.apiUrl });
    expect(consent.html).toContain('Gatehouse Demo (confidential)');
    expect(consent.html).toContain('See your email address and whether it is verified');
    expect(consent.html).toContain('Stay connected while you are away, even after you sign out, until the application ends it');
    expect(consent.html).toContain('Read your data in the Gatehouse demo API');
    expect(consent.html).toContain(server.apiUrl);
    expect(consent.html).toMatch(/value="deny"/);
  });

  it('a user who denies sends access_denied back with state and iss, and no code', async () => {
    const result = await authorize(clients.confidential, new Browser(), { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid profile', decision: 'deny' });
    expect(result.callback.searchParams.get('error')).toBe('access_denied');
    expect(result.callback.searchParams.get('code')).toBeNull();
    expect(result.callback.searchParams.get('state')).toBe(result.state);
    expect(result.callback.searchParams.get('iss')).toBe(server.issuer);
  });

  it('offline access outlives signing out, as the consent page says', async () => {
    const browser = new Browser();
    const { tokens } = await signIn(clients.confidential, { browser, redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid offline_access', extra: { prompt: 'consent' } });
    const logoutUrl = new URL(`${server.issuer}/oauth/logout`);
    logoutUrl.searchParams.set('id_token_hint', tokens.id_token!);
    const logout = await browser.open(logoutUrl);
    await browser.submit(logout, '/oauth/logout/confirm', { logout: 'yes' });
    const auth = { authorization: basicAuth(DEMO_CONFIDENTIAL.id, DEMO_CONFIDENTIAL.secret) };
    const refreshed = await postForm(`${server.issuer}/oauth/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }, auth);
    expect(refreshed.status).toBe(200);
  });

  it('a granted consent can be revoked: revoking the refresh token revokes the grant, its tokens, and consent is asked again', async () => {
    const browser = new Browser();
    const { tokens } = await signIn(clients.confidential, { browser, redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid email offline_access', extra: { prompt: 'consent' } });
    const auth = { authorization: basicAuth(DEMO_CONFIDENTIAL.id, DEMO_CONFIDENTIAL.secret) };
    expect((await postForm(`${server.issuer}/oauth/revoke`, { token: tokens.refresh_token!, token_type_hint: 'refresh_token' }, auth)).status).toBe(200);

    const userinfo = await fetch(`${server.issuer}/oauth/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(userinfo.status).toBe(401);
    const again = await browser.open(authorizationUrl(server.issuer, { scope: 'openid email', code_challenge: (await pkcePair()).challenge, code_challenge_method: 'S256' }));
    expect(again.html).toContain('/consent"');
    expect(server.logs.some((line) => line.includes('"event":"grant.revoked"'))).toBe(true);
  });

  it('sent again before the authorization resumes, one after another or at once, keeps one grant: the one the client gets', async () => {
    const from = server.logs.length;
    const { browser, consent } = await consentPageFor({ scope: 'openid email', prompt: 'consent' });
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await postConsent(browser, consent, { decision: 'allow' }));
    answers.push(...await Promise.all(Array.from({ length: 3 }, () => postConsent(browser, consent, { decision: 'allow' }))));
    expect(answers.map((answer) => answer.status)).toEqual([303, 303, 303, 303, 303, 303]);
    const grantIds = logged(from, 'consent.granted', 'grantId');
    expect(grantIds).toHaveLength(6);
    expect(new Set(grantIds).size).toBe(1);

    const callback = await browser.open(new URL(answers.at(-1)!.headers.get('location')!, server.issuer), atClient);
    expect(callback.url.searchParams.get('code')).toBeTruthy();
    expect(logged(from, 'token.issued', 'grantId')).toEqual([grantIds[0]]);
    // Finished: the form is refused now.
    expect((await postConsent(browser, consent, { decision: 'allow' })).status).toBe(400);
  });

  it('denied after an allow of the same page, deletes the grant that allow created', async () => {
    const from = server.logs.length;
    const { browser, consent } = await consentPageFor({ scope: 'openid email', prompt: 'consent' });
    expect((await postConsent(browser, consent, { decision: 'allow' })).status).toBe(303);
    const denied = await postConsent(browser, consent, { decision: 'deny' });
    expect(logged(from, 'consent.denied', 'withdrawnGrantId')).toEqual(logged(from, 'consent.granted', 'grantId'));
    const callback = await browser.open(new URL(denied.headers.get('location')!, server.issuer), atClient);
    expect(callback.url.searchParams.get('error')).toBe('access_denied');
  });

  it.each([
    ['sent twice', { decision: ['allow', 'allow'] }],
    ['sent as allow and deny', { decision: ['allow', 'deny'] }],
    ['missing', {} as Record<string, string>],
    ['neither allow nor deny', { decision: 'maybe' }],
  ])('with its decision %s, is refused as malformed (400), not taken as a denial, and can be sent again', async (_, fields) => {
    const from = server.logs.length;
    const { browser, consent } = await consentPageFor({ scope: 'openid email', prompt: 'consent' });
    const malformed = await postConsent(browser, consent, fields);
    expect(malformed.status).toBe(400);
    expect(await malformed.text()).toContain('This form is malformed');
    const asJson = await postConsent(browser, consent, fields, 'application/json');
    expect(asJson.status).toBe(400);
    expect(await asJson.json()).toEqual({ error: 'invalid_request', error_description: expect.stringContaining('This form is malformed') });
    expect(logged(from, 'consent.denied', 'event')).toEqual([]);

    const allowed = await postConsent(browser, consent, { decision: 'allow' });
    const callback = await browser.open(new URL(allowed.headers.get('location')!, server.issuer), atClient);
    expect(callback.url.searchParams.get('code')).toBeTruthy();
  });
});

describe('user-supplied values are HTML-escaped on our pages', () => {
  it('login_hint on the login page', async () => {
    const browser = new Browser();
    const page = await browser.open(authorizationUrl(server.issuer, { code_challenge: (await pkcePair()).challenge, code_challenge_method: 'S256', login_hint: XSS }));
    expect(page.html).not.toContain('<script>alert(1)</script>');
    expect(page.html).not.toContain('<img src=x');
    expect(page.html).toContain('&lt;script&gt;');
  });

  it('a registered client name and URI on the consent page', async () => {
    const registered = await (await fetch(`${server.issuer}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: ['https://rp.example/cb'], client_name: XSS, client_uri: 'javascript:alert(3)', token_endpoint_auth_method: 'none' }),
    })).json() as { client_id?: string; error?: string };
    // Either the registration refuses the javascript: URI, or the page must not render it as a link.
    const clientId = registered.client_id ?? (await (await fetch(`${server.issuer}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: ['https://rp.example/cb'], client_name: XSS, token_endpoint_auth_method: 'none' }),
    })).json() as { client_id: string }).client_id;
    const { consent } = await consentPageFor({ client_id: clientId, redirect_uri: 'https://rp.example/cb', scope: 'openid email' });
    expect(consent.html).toContain('/consent"');
    expect(consent.html).not.toContain('<script>alert(1)</script>');
    expect(consent.html).not.toContain('<img src=x');
    expect(consent.html).not.toContain('javascript:');
    expect(consent.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('state is never reflected into a page, only into the redirect', async () => {
    const response = await fetch(authorizationUrl(server.issuer, { redirect_uri: 'https://attacker.example/cb', state: XSS }), { headers: { accept: 'text/html' } });
    const html = await response.text();
    expect(response.status).toBe(400);
    expect(html).not.toContain('<script>alert(1)</script>');
  });
});
