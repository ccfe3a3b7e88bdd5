import { describe, expect, it } from '@jest/globals';
import * as client from 'openid-client';
import { PAGE_CSP } from '../../src/security/headers.js';
import { Browser, findForm, type Page } from '../helpers/browser.js';
import { authorize, DEMO_CONFIDENTIAL } from '../helpers/oauth.js';
import { useGatehouse } from '../helpers/use-gatehouse.js';

const { server, clients } = useGatehouse({ clients: { confidential: DEMO_CONFIDENTIAL } });

/** Opens an authorization request for the seeded confidential client and lands on our page. */
function openAuthorization(browser: Browser, scope: string, extra: Record<string, string> = {}): Promise<Page> {
  const url = client.buildAuthorizationUrl(clients.confidential, {
    redirect_uri: DEMO_CONFIDENTIAL.redirectUri,
    scope,
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
    state: 'page-test',
    ...extra,
  });
  return browser.open(url, (next) => next.origin !== server.issuer);
}

// The cookie-jar Browser sends no Accept header, and our error handler answers JSON then; a real
// browser asks for HTML, as these two helpers do.
const HTML = { accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8' };

async function navigate(browser: Browser, url: string): Promise<Page> {
  const response = await browser.request(new URL(url), { method: 'GET', headers: HTML });
  return { url: new URL(url), status: response.status, headers: response.headers, html: await response.text() };
}

async function post(browser: Browser, page: Page, actionPart: string, fields: Record<string, string>): Promise<Page> {
  const form = findForm(page.html, actionPart);
  const action = new URL(form.action, page.url);
  const response = await browser.request(action, {
    method: 'POST',
    headers: { ...HTML, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...form.hidden, ...fields }),
  });
  return { url: action, status: response.status, headers: response.headers, html: await response.text() };
}

function expectStrictPage(page: Page): void {
  expect(page.headers.get('content-security-policy')).toBe(PAGE_CSP);
  expect(page.headers.get('cache-control')).toBe('no-store');
  expect(page.html).toContain('<html lang="en">');
  // No inline script or style: the strict CSP would block them.
  expect(page.html).not.toMatch(/<script|\sstyle=|\son[a-z]+=/i);
}

describe('login page', () => {
  it('labels every input, names the application and passes the strict CSP', async () => {
    const page = await openAuthorization(new Browser(), 'openid');
    expect(page.status).toBe(200);
    expectStrictPage(page);
    expect(page.html).toContain('<strong>Gatehouse Demo (confidential)</strong> wants you to sign in.');
    expect(page.html).toMatch(/<label for="username">Username<\/label>\s*<input id="username"/);
    expect(page.html).toMatch(/<label for="password">Password<\/label>\s*<input id="password"/);
    expect(page.html).toContain('Cancel and return to Gatehouse Demo (confidential)');
  });

  it('ties a failed sign-in message to both fields and keeps the (escaped) username', async () => {
    const browser = new Browser();
    const page = await openAuthorization(browser, 'openid');
    const failed = await browser.submit(page, '/login', { username: '<b>"demo"</b>', password: 'wrong' });
    expect(failed.status).toBe(401);
    expectStrictPage(failed);
    expect(failed.html).toContain('<p class="alert" role="alert" id="login-error">Incorrect username or password.');
    expect(failed.html.match(/aria-describedby="login-error" aria-invalid="true"/g)).toHaveLength(2);
    expect(failed.html).toContain('value="&lt;b&gt;&#34;demo&#34;&lt;/b&gt;"');
    expect(failed.html).not.toContain('<b>"demo"</b>');
  });

  it('serves its stylesheet and logo itself', async () => {
    const css = await fetch(`${server.issuer}/assets/gatehouse.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const logo = await fetch(`${server.issuer}/assets/gatehouse.svg`);
    expect(logo.headers.get('content-type')).toBe('image/svg+xml');
    expect(await logo.text()).toContain('<svg');
  });

  it('refuses a form whose anti-CSRF token does not match, with a page that says what to do', async () => {
    const browser = new Browser();
    const page = await openAuthorization(browser, 'openid');
    const rejected = await post(browser, page, '/login', { username: 'demo', password: 'demo', csrf: 'forged' });
    expect(rejected.status).toBe(403);
    expectStrictPage(rejected);
    expect(rejected.html).toContain('This form has expired or was not sent from our page.');
    expect(rejected.html).toContain('<code>invalid_form</code>');
  });
});

describe('consent page', () => {
  it('shows the client, its logo (allowed by the CSP) and each scope in plain words', async () => {
    const browser = new Browser();
    const login = await openAuthorization(browser, 'openid profile email api:read', { resource: server.apiUrl });
    const consent = await browser.submit(login, '/login', { username: 'demo', password: 'demo' });
    expect(consent.html).toContain('<strong>Gatehouse Demo (confidential)</strong> wants to access your Gatehouse account.');
    expect(consent.html).toContain('<img class="client-logo" src="http://localhost:3002/assets/logo.svg" alt="Logo of Gatehouse Demo (confidential)"');
    expect(consent.headers.get('content-security-policy')).toBe(PAGE_CSP.replace("img-src 'self' data:", "img-src 'self' data: http://localhost:3002"));
    expect(consent.html).toContain('Signed in as <strong>demo</strong>.');
    expect(consent.html).toContain('It asks to:');
    expect(consent.html).toContain('See your email address and whether it is verified');
    expect(consent.html).toContain('Read your data in the Gatehouse demo API');
    expect(consent.html).toContain(`<code>${server.apiUrl}</code>`);
    // A first consent: nothing is "new" compared to anything, and nothing was allowed before.
    expect(consent.html).not.toContain('class="badge"');
    expect(consent.html).not.toContain('You already allowed it to:');
  });

  it('marks what is new since the user last consented', async () => {
    const browser = new Browser();
    await authorize(clients.confidential, browser, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid profile' });
    const consent = await openAuthorization(browser, 'openid profile email');
    expect(consent.html).toContain('It now also asks to:');
    expect(consent.html).toMatch(/See your email address and whether it is verified <span class="badge">New<\/span>/);
    const previous = /You already allowed it to:[\s\S]*?<\/ul>/.exec(consent.html)![0];
    expect(previous).toContain('See your name and username');
    expect(previous).not.toContain('email');
  });
});

describe('expired or unknown sign-in pages', () => {
  it('leads back to the application when the interaction is gone (its cookie expired)', async () => {
    const browser = new Browser();
    const page = await openAuthorization(browser, 'openid');
    browser.clearCookies();
    const expired = await post(browser, page, '/login', { username: 'demo', password: 'demo' });
    expect(expired.status).toBe(400);
    expectStrictPage(expired);
    expect(expired.html).toContain('This page has expired');
    expect(expired.html).toContain('<a class="button primary wide" href="http://localhost:3002/" rel="noopener noreferrer">Start again at Gatehouse Demo (confidential)</a>');
  });

  it('recognises the application from the page address too', async () => {
    const page = await navigate(new Browser(), `${server.issuer}/interaction/no-such-interaction?client_id=demo-confidential`);
    expect(page.status).toBe(400);
    expect(page.html).toContain('Start again at Gatehouse Demo (confidential)');
  });

  it('without a known application, says where to go instead of a dead end', async () => {
    const page = await navigate(new Browser(), `${server.issuer}/interaction/no-such-interaction?client_id=%3Cscript%3E`);
    expect(page.status).toBe(400);
    expect(page.html).toContain('Go back to the application you came from and sign in again.');
    expect(page.html).not.toContain('<script>');
  });

  it('shows the same page when oidc-provider finds the authorization request gone on resuming it', async () => {
    const page = await navigate(new Browser(), `${server.issuer}/oauth/authorize/no-such-interaction`);
    expect(page.status).toBe(400);
    expectStrictPage(page);
    expect(page.html).toContain('This page has expired');
    expect(page.html).toContain('Go back to the application you came from and sign in again.');
  });

  it('still answers JSON to a client that asks for JSON', async () => {
    const response = await fetch(`${server.issuer}/interaction/no-such-interaction`, { headers: { accept: 'application/json' } });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'interaction_expired' });
  });
});

describe('logout pages', () => {
  it('asks which sign-out the user wants and says where they go next', async () => {
    const browser = new Browser();
    await authorize(clients.confidential, browser, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid' });
    const confirm = await browser.open(`${server.issuer}/oauth/logout?client_id=demo-confidential`);
    expectStrictPage(confirm);
    expect(confirm.html).toContain('You are signing out of <strong>Gatehouse Demo (confidential)</strong>.');
    expect(confirm.html).toContain('No, only sign out of Gatehouse Demo (confidential)');
    expect(confirm.html).toContain('Afterwards you see a confirmation on this page.');

    // "No": the application's sign-in ends, Gatehouse's session stays.
    const done = await browser.submit(confirm, '/oauth/logout', {});
    expect(done.html).toContain('You have signed out of <strong>Gatehouse Demo (confidential)</strong>. You are still signed in to Gatehouse.');
    expect(done.html).toContain('Back to Gatehouse Demo (confidential)');
    const again = await openAuthorization(browser, 'openid');
    expect(again.html).not.toContain('name="password"');
    expect(again.html).toContain('/consent"');
  });

  it('without an application, offers one clear choice', async () => {
    const browser = new Browser();
    await authorize(clients.confidential, browser, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid' });
    const confirm = await browser.open(`${server.issuer}/oauth/logout`);
    expect(confirm.html).toContain('Do you want to sign out of Gatehouse?');
    expect(confirm.html.match(/<button/g)).toHaveLength(1);
    const done = await browser.submit(confirm, '/oauth/logout', { logout: 'yes' });
    expect(done.html).toContain('You have signed out of Gatehouse.');
    const again = await openAuthorization(browser, 'openid');
    expect(again.html).toContain('name="password"');
  });
});

describe('error page', () => {
  it('explains a rejected request in words and shows the OAuth error code', async () => {
    const page = await new Browser().open(`${server.issuer}/oauth/authorize?client_id=no-such-client&response_type=code&scope=openid`);
    expect(page.status).toBe(400);
    expectStrictPage(page);
    expect(page.html).toContain('We could not continue');
    expect(page.html).toContain('Error code: <code>invalid_client</code>');
    expect(page.html).toContain('Go back to the application you came from and start again.');
  });
});
