import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { authorizationUrl, pkcePair } from '../helpers/requests.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/start-gatehouse.js';
import { openBrowser, type E2EBrowser } from './helpers/chromium.js';

// oidc-provider's two pages with an inline script (the response_mode=form_post auto-submit and
// the logout confirmation without a session) run under our strict CSP only because the script's
// hash is added to script-src. A real browser is the proof that they still submit themselves.

let gatehouse: TestGatehouse;
let browser: E2EBrowser;

beforeAll(async () => {
  gatehouse = await startTestGatehouse();
});
afterAll(() => gatehouse.close());
beforeEach(async () => {
  browser = await openBrowser();
});
afterEach(() => browser.close());

describe('inline scripts under the strict CSP, in Chromium', () => {
  it('the response_mode=form_post page posts the code to the client by itself, with no CSP violation', async () => {
    const { page } = browser;
    const posts: { method: string; body: string }[] = [];
    // Nothing listens at the demo client's redirect_uri: answer for it, and note what arrived.
    await page.route('http://localhost:8080/**', async (route) => {
      posts.push({ method: route.request().method(), body: route.request().postData() ?? '' });
      await route.fulfill({ status: 200, contentType: 'text/plain', body: 'callback reached' });
    });
    // The demo client's logo lives on its (absent) web site.
    await page.route('http://localhost:3002/**', (route) => route.fulfill({ status: 200, contentType: 'image/svg+xml', body: '<svg xmlns="http://www.w3.org/2000/svg"/>' }));
    const url = authorizationUrl(gatehouse.issuer, { response_mode: 'form_post', code_challenge: (await pkcePair()).challenge, code_challenge_method: 'S256' });
    await page.goto(url.href);
    await page.fill('#username', 'demo');
    await page.fill('#password', 'demo');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL('http://localhost:8080/callback');

    expect(posts).toHaveLength(1);
    expect(posts[0]!.method).toBe('POST');
    const form = new URLSearchParams(posts[0]!.body);
    expect(form.get('code')).toBeTruthy();
    expect(form.get('state')).toBe('state-123');
    expect(browser.problems).toEqual([]);
  });

  it('a logout without a session confirms itself through its auto-submitted form, with no CSP violation', async () => {
    const { page } = browser;
    await page.goto(`${gatehouse.issuer}/oauth/logout`);
    await page.waitForURL((url) => url.pathname === '/oauth/logout/success');
    expect(browser.problems).toEqual([]);
  });
});
