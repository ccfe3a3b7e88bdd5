import { describe, expect, it } from '@jest/globals';
import { Browser, findForm, type Page } from '../helpers/browser.js';
import { DEMO_CONFIDENTIAL, signIn } from '../helpers/oauth.js';
import { authorizationUrl, pkcePair } from '../helpers/requests.js';
import { useGatehouse } from '../helpers/use-gatehouse.js';

const { server, clients } = useGatehouse({ clients: { confidential: DEMO_CONFIDENTIAL } });

async function loginPage(browser = new Browser(), scope = 'openid email'): Promise<{ browser: Browser; page: Page }> {
  const url = authorizationUrl(server.issuer, { scope, code_challenge: (await pkcePair()).challenge, code_challenge_method: 'S256' });
  return { browser, page: await browser.open(url) };
}

async function consentPage(): Promise<{ browser: Browser; page: Page }> {
  const { browser, page } = await loginPage();
  const consent = await browser.submit(page, '/login', { username: 'demo', password: 'demo' });
  expect(consent.html).toContain('/consent"');
  return { browser, page: consent };
}

/** Posts a page's form as a browser would (asking for HTML), with fields and headers of our choosing. */
async function post(browser: Browser, page: Page, actionPart: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  const form = findForm(page.html, actionPart);
  const response = await browser.request(new URL(form.action, page.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', ...headers },
    body: new URLSearchParams(fields),
  });
  return { status: response.status, location: response.headers.get('location'), html: await response.text(), type: response.headers.get('content-type') };
}

function expectFriendly403(result: { status: number; html: string; type: string | null }) {
  expect(result.status).toBe(403);
  expect(result.type).toMatch(/^text\/html/);
  expect(result.html).toMatch(/not sent from our page|has expired/);
  expect(result.html).not.toMatch(/\n\s+at /);
}

describe('anti-CSRF tokens on the login, consent and cancel forms (bound to the interaction)', () => {
  it('every state-changing form on our pages carries a csrf field', async () => {
    const { page } = await loginPage();
    expect(findForm(page.html, '/login').hidden['csrf']).toMatch(/^[\w-]{43}$/);
    expect(findForm(page.html, '/abort').hidden['csrf']).toBeTruthy();
    const consent = await consentPage();
    expect(findForm(consent.page.html, '/consent').hidden['csrf']).toMatch(/^[\w-]{43}$/);
  });

  it('a login post without the token gets a 403 page, and the password is not checked', async () => {
    const { browser, page } = await loginPage();
    const signIns = () => server.logs.filter((line) => /"event":"login\.(succeeded|failed)"/.test(line)).length;
    const before = signIns();
    expectFriendly403(await post(browser, page, '/login', { username: 'demo', password: 'demo' }));
    expect(signIns()).toBe(before);
  });

  it('a token issued for another interaction is refused', async () => {
    const other = await loginPage();
    const stolenToken = findForm(other.page.html, '/login').hidden['csrf']!;
    const { browser, page } = await loginPage();
    expectFriendly403(await post(browser, page, '/login', { csrf: stolenToken, username: 'demo', password: 'demo' }));
  });

  it('consent and cancel refuse a missing or forged token', async () => {
    const { browser, page } = await consentPage();
    expectFriendly403(await post(browser, page, '/consent', { decision: 'allow' }));
    expectFriendly403(await post(browser, page, '/consent', { decision: 'allow', csrf: 'A'.repeat(43) }));
    const login = await loginPage();
    expectFriendly403(await post(login.browser, login.page, '/abort', {}));
  });
});

describe('cross-site posts (Fetch Metadata)', () => {
  it('a login post another site makes fails with a 403 page even with a valid token', async () => {
    const { browser, page } = await loginPage();
    const hidden = findForm(page.html, '/login').hidden;
    expectFriendly403(await post(browser, page, '/login', { ...hidden, username: 'demo', password: 'demo' }, { 'sec-fetch-site': 'cross-site' }));
    expectFriendly403(await post(browser, page, '/login', { ...hidden, username: 'demo', password: 'demo' }, { 'sec-fetch-site': 'same-site' }));
  });

  it('the account security sign-in and the device code form refuse cross-site posts too', async () => {
    for (const path of ['/account/security/sign-in', '/oauth/device', '/oauth/device/', '/oauth/DEVICE']) {
      const response = await fetch(`${server.issuer}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', 'sec-fetch-site': 'cross-site' },
        body: 'username=demo&password=demo&user_code=ABCD-EFGH',
      });
      expectFriendly403({ status: response.status, html: await response.text(), type: response.headers.get('content-type') });
    }
  });

  it('our own page posting (same-origin) goes through', async () => {
    const { browser, page } = await loginPage();
    const hidden = findForm(page.html, '/login').hidden;
    const result = await post(browser, page, '/login', { ...hidden, username: 'demo', password: 'demo' }, { 'sec-fetch-site': 'same-origin' });
    expect(result.status).toBe(303);
  });
});

describe('logout confirmation (oidc-provider xsrf token, bound to the session)', () => {
  async function logoutPage() {
    const { browser, tokens } = await signIn(clients.confidential, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid' });
    const url = new URL(`${server.issuer}/oauth/logout`);
    url.searchParams.set('id_token_hint', tokens.id_token!);
    const page = await browser.open(url);
    expect(page.status).toBe(200);
    return { browser, page };
  }

  it('the logout form carries an xsrf token', async () => {
    const { page } = await logoutPage();
    expect(findForm(page.html, '/oauth/logout/confirm').hidden['xsrf']).toMatch(/^[0-9a-f]{48}$/);
  });

  it('a confirmation without the token, or with a wrong one, gets an error page and keeps the session', async () => {
    const { browser, page } = await logoutPage();
    for (const fields of [{ logout: 'yes' }, { logout: 'yes', xsrf: '0'.repeat(48) }] as Record<string, string>[]) {
      const result = await post(browser, page, '/oauth/logout/confirm', fields);
      expect(result.status).toBe(400);
      expect(result.type).toMatch(/^text\/html/);
      expect(result.html).toMatch(/xsrf token invalid|could not find logout details/);
    }
    // Still signed in: a new authorization goes straight back to the client.
    const again = await browser.open(authorizationUrl(server.issuer, { code_challenge: (await pkcePair()).challenge, code_challenge_method: 'S256' }), (url) => url.port === '8080');
    expect(again.url.searchParams.get('code')).toBeTruthy();
  });

  it('a cross-site confirmation fails with a 403 page even with the right token, however the path is spelt', async () => {
    const { browser, page } = await logoutPage();
    const hidden = findForm(page.html, '/oauth/logout/confirm').hidden;
    expectFriendly403(await post(browser, page, '/oauth/logout/confirm', { ...hidden, logout: 'yes' }, { 'sec-fetch-site': 'cross-site' }));
    // oidc-provider's router takes any letter case and a trailing slash.
    for (const path of ['/oauth/logout/confirm/', '/OAUTH/Logout/CONFIRM']) {
      const response = await browser.request(new URL(path, server.issuer), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', 'sec-fetch-site': 'cross-site' },
        body: new URLSearchParams({ ...hidden, logout: 'yes' }),
      });
      expectFriendly403({ status: response.status, html: await response.text(), type: response.headers.get('content-type') });
    }
  });

  it('the genuine confirmation signs the user out', async () => {
    const { browser, page } = await logoutPage();
    const hidden = findForm(page.html, '/oauth/logout/confirm').hidden;
    const result = await post(browser, page, '/oauth/logout/confirm', { ...hidden, logout: 'yes' }, { 'sec-fetch-site': 'same-origin' });
    expect(result.status).toBe(303);
    const again = await browser.open(authorizationUrl(server.issuer, { code_challenge: (await pkcePair()).challenge, code_challenge_method: 'S256' }));
    expect(again.html).toContain('/login"');
  });
});
