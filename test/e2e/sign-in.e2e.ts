import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { startTestDemo, type TestDemo } from '../helpers/start-demo.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/start-gatehouse.js';
import { openBrowser, type E2EBrowser } from './helpers/chromium.js';
import { checkPage } from './helpers/page-checks.js';

// These run inside the page; the DOM exists there, not here.
declare const document: any;
declare const getComputedStyle: any;

let gatehouse: TestGatehouse;
let demo: TestDemo;
let browser: E2EBrowser;

beforeAll(async () => {
  gatehouse = await startTestGatehouse();
  // The demo registers itself (RFC 7591) with its free port in its redirect URI.
  demo = await startTestDemo(gatehouse);
});
afterAll(async () => {
  await demo.close();
  await gatehouse.close();
});
beforeEach(async () => {
  browser = await openBrowser();
});
afterEach(async () => {
  await browser.close();
});

/** From the demo's home page to Gatehouse's login page. */
async function startSignIn(): Promise<void> {
  const { page } = browser;
  await page.goto(demo.url);
  await page.getByRole('link', { name: 'Sign in with Gatehouse' }).click();
  await page.waitForURL((url) => url.origin === gatehouse.issuer && url.pathname.startsWith('/interaction/'));
}

async function focusOutline(): Promise<string> {
  return browser.page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
}

describe('signing in to the demo application through Gatehouse', () => {
  it('signs in, consents, shows the claims, calls the API, refreshes and signs out', async () => {
    const { page } = browser;
    await page.goto(demo.url);
    await checkPage(browser, '01-demo-home');

    await page.getByRole('link', { name: 'Sign in with Gatehouse' }).click();
    await page.waitForURL((url) => url.origin === gatehouse.issuer);
    await expect(page.title()).resolves.toBe('Sign in · Gatehouse');
    await checkPage(browser, '02-login');

    // Keyboard only: the username field has focus, Tab reaches the password, Enter submits.
    await expect(page.evaluate(() => document.activeElement.id)).resolves.toBe('username');
    await page.keyboard.type('demo');
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement.id)).resolves.toBe('password');
    expect(await focusOutline()).toBe('solid');
    await page.keyboard.type('demo');
    await page.keyboard.press('Enter');

    await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
    await expect(page.locator('.client .lead strong').innerText()).resolves.toBe('Gatehouse Demo');
    await expect(page.getByRole('img', { name: 'Logo of Gatehouse Demo' }).evaluate((image) => image.naturalWidth)).resolves.toBeGreaterThan(0);
    await expect(page.locator('.scopes li').allInnerTexts()).resolves.toEqual(expect.arrayContaining([
      expect.stringContaining('See your email address and whether it is verified'),
      expect.stringContaining('Change your data in the Gatehouse demo API'),
    ]));
    await checkPage(browser, '03-consent');
    await page.getByRole('button', { name: 'Allow' }).click();

    await page.waitForURL(`${demo.url}/`);
    await page.getByRole('heading', { name: 'Hello, Demo User' }).waitFor();
    await expect(page.locator('#id-claims').innerText()).resolves.toContain('demo@example.com');
    await expect(page.locator('#access-claims').innerText()).resolves.toContain(gatehouse.apiUrl);
    await checkPage(browser, '04-demo-signed-in');

    await page.getByRole('button', { name: 'Call the API (read)' }).click();
    await expect(page.locator('#api-title + p').innerText()).resolves.toBe('GET /protected answered 200');
    await expect(page.locator('pre.json').innerText()).resolves.toContain('Hello from the protected API');
    await page.getByRole('button', { name: 'Post a message (write)' }).click();
    await expect(page.locator('#api-title + p').innerText()).resolves.toBe('POST /protected/messages answered 201');
    await checkPage(browser, '05-demo-api-call');

    const before = await page.locator('#access-claims').innerText();
    await page.getByRole('button', { name: 'Refresh tokens' }).click();
    await page.getByText('Refreshed: a new access token').waitFor();
    expect(await page.locator('#access-claims').innerText()).not.toBe(before);
    await page.getByRole('button', { name: 'Call the API (read)' }).click();
    await expect(page.locator('#api-title + p').innerText()).resolves.toBe('GET /protected answered 200');
    await checkPage(browser, '06-demo-refreshed');

    // Signing in again while Gatehouse remembers the user: consent lists what was allowed before.
    await page.goto(`${demo.url}/login`);
    await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
    await page.getByText('It asks you to confirm what you already allowed:').waitFor();
    await checkPage(browser, '07-consent-again');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${demo.url}/`);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign out?' }).waitFor();
    const host = new URL(demo.url).host;
    await expect(page.locator('.next').innerText()).resolves.toBe(`Afterwards you go back to Gatehouse Demo at ${host}.`);
    await checkPage(browser, '08-logout');
    await page.getByRole('button', { name: 'Yes, sign out of Gatehouse' }).click();

    await page.waitForURL(`${demo.url}/`);
    await page.getByText('You are signed out. Gatehouse sent you back here.').waitFor();
    await checkPage(browser, '09-demo-signed-out');

    // Gatehouse's session is gone too: signing in asks for the password again.
    await page.getByRole('link', { name: 'Sign in with Gatehouse' }).click();
    await page.getByLabel('Password').waitFor();
  });

  it('denying consent returns to the demo, which says so', async () => {
    const { page } = browser;
    await startSignIn();
    await page.getByLabel('Username').fill('demo');
    await page.getByLabel('Password').fill('demo');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL(`${demo.url}/`);
    await expect(page.getByRole('alert').innerText()).resolves.toContain('Gatehouse answered access_denied');
    await checkPage(browser, '10-demo-consent-denied');
  });

  it('a wrong password shows an error tied to the fields, and the right one then works', async () => {
    const { page } = browser;
    browser.expect(/status of 401/);
    await startSignIn();
    await page.getByLabel('Username').fill('demo');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();

    const alert = page.getByRole('alert');
    await expect(alert.innerText()).resolves.toBe('Incorrect username or password. Check both and try again.');
    for (const field of ['Username', 'Password']) {
      await expect(page.getByLabel(field).getAttribute('aria-invalid')).resolves.toBe('true');
      await expect(page.getByLabel(field).getAttribute('aria-describedby')).resolves.toBe('login-error');
    }
    // The username stays; the cursor waits in the password field.
    await expect(page.getByLabel('Username').inputValue()).resolves.toBe('demo');
    await expect(page.evaluate(() => document.activeElement.id)).resolves.toBe('password');
    await checkPage(browser, '11-login-failed');

    await page.getByLabel('Password').fill('demo');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
  });

  it('an expired sign-in page leads back to the demo, and signing in from there works', async () => {
    const { page } = browser;
    browser.expect(/status of 400/);
    await startSignIn();
    await page.getByLabel('Username').fill('demo');
    await page.getByLabel('Password').fill('demo');
    // The interaction's cookies expire with it (10 minutes); losing them is the same for Gatehouse.
    await browser.context.clearCookies({ name: /^_interaction/ });
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByRole('heading', { name: 'This page has expired' }).waitFor();
    await checkPage(browser, '12-expired');
    await page.getByRole('link', { name: 'Start again at Gatehouse Demo' }).click();
    await page.waitForURL(`${demo.url}/`);

    await page.getByRole('link', { name: 'Sign in with Gatehouse' }).click();
    await page.getByLabel('Username').fill('demo');
    await page.getByLabel('Password').fill('demo');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.getByRole('heading', { name: 'Hello, Demo User' }).waitFor();
  });

  it('the error, not-found and signed-out pages pass the same checks', async () => {
    const { page } = browser;
    browser.expect(/status of 40[04]/);
    await page.goto(`${gatehouse.issuer}/oauth/authorize?client_id=no-such-client&response_type=code&scope=openid`);
    await page.getByRole('heading', { name: 'We could not continue' }).waitFor();
    await checkPage(browser, '13-error');
    await page.goto(`${gatehouse.issuer}/no-such-page`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await checkPage(browser, '14-not-found');

    // Signed in, then "only sign out of the demo": Gatehouse's session stays.
    await startSignIn();
    await page.getByLabel('Username').fill('demo');
    await page.getByLabel('Password').fill('demo');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${demo.url}/`);
    const clientId = await page.locator('#access-claims tr', { hasText: 'client_id' }).locator('td').first().innerText();
    await page.goto(`${gatehouse.issuer}/oauth/logout?client_id=${encodeURIComponent(clientId)}`);
    await page.getByRole('button', { name: 'No, only sign out of Gatehouse Demo' }).click();
    await page.getByRole('heading', { name: 'Signed out' }).waitFor();
    await expect(page.locator('.lead').innerText()).resolves.toBe('You have signed out of Gatehouse Demo. You are still signed in to Gatehouse.');
    await checkPage(browser, '15-signed-out-of-client');
  });

  it('the checks catch a CSP violation (the guard can fail)', async () => {
    const { page } = browser;
    await startSignIn();
    // An inline style the page did not ship: the strict CSP refuses it and the browser reports it.
    await page.evaluate(() => {
      const style = document.createElement('style');
      style.textContent = 'body { color: red }';
      document.head.append(style);
    });
    await page.waitForTimeout(300);
    expect(browser.problems.some((problem) => /Content Security Policy|CSP violation: style-src/.test(problem))).toBe(true);
    browser.problems.length = 0;
  });
});
