import { describe, expect, it } from '@jest/globals';
import { totpAt } from '../../src/accounts/totp.js';
import { Browser, findForm, type Page } from '../helpers/browser.js';
import { useGatehouse } from '../helpers/use-gatehouse.js';

const { server } = useGatehouse();

const RECOVERY_CODE = /<li><code>([a-z2-9]{5}-[a-z2-9]{5})<\/code><\/li>/g;
const recoveryCodesOn = (html: string) => [...html.matchAll(RECOVERY_CODE)].map((match) => match[1]!);

/** Signs in to the account page with the password (and a code once enrolled); returns the page that follows. */
async function accountPage(browser: Browser, code?: string): Promise<Page> {
  const signInPage = await browser.open(`${server.issuer}/account/security`);
  return browser.submit(signInPage, '/account/security/sign-in', { username: 'demo', password: 'demo', ...(code ? { code } : {}) });
}

/** Posts the page's form as is, with `body` over its hidden fields, without following a redirect. */
async function post(browser: Browser, page: Page, actionPart: string, body: URLSearchParams): Promise<{ status: number; html: string }> {
  const form = findForm(page.html, actionPart);
  for (const [name, value] of Object.entries(form.hidden)) if (!body.has(name)) body.set(name, value);
  const response = await browser.request(new URL(form.action, page.url), {
    method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
  });
  return { status: response.status, html: await response.text() };
}

/** Opens the set-up page of a signed-in account page; returns it and a right code for its secret. */
async function setupPage(browser: Browser): Promise<{ setup: Page; code: string }> {
  const setup = await browser.open(`${server.issuer}/account/security/authenticator`);
  const secret = findForm(setup.html, '/account/security/authenticator').hidden['secret']!;
  return { setup, code: totpAt(secret, Date.now()) };
}

const ALREADY_SET_UP = 'An authenticator app is already set up for this account';

describe('the authenticator set-up form sent more than once', () => {
  it('sent again after it worked, says it is already set up, shows no new codes, and the first codes keep working', async () => {
    const browser = new Browser();
    await accountPage(browser);
    const { setup, code } = await setupPage(browser);
    const first = await post(browser, setup, '/account/security/authenticator', new URLSearchParams({ code }));
    expect(first.html).toContain('Save your recovery codes');
    const recoveryCodes = recoveryCodesOn(first.html);

    const again = await post(browser, setup, '/account/security/authenticator', new URLSearchParams({ code }));
    expect(again.status).toBe(409);
    expect(again.html).toContain(ALREADY_SET_UP);
    expect(recoveryCodesOn(again.html)).toEqual([]);

    const later = new Browser();
    const overview = await accountPage(later, recoveryCodes[0]);
    expect(overview.html).toContain('You have 9 unused recovery codes');
    const off = await post(later, overview, '/account/security/authenticator/remove', new URLSearchParams({ code: recoveryCodes[1]! }));
    expect(off.html).toContain('Two-step verification is off');
  });

  it('sent several times at once, enrols once: one answer shows recovery codes, which work, the others say it is already set up', async () => {
    const browser = new Browser();
    await accountPage(browser);
    const { setup, code } = await setupPage(browser);
    const answers = await Promise.all(Array.from({ length: 4 }, () => post(browser, setup, '/account/security/authenticator', new URLSearchParams({ code }))));

    const shown = answers.filter((answer) => answer.html.includes('Save your recovery codes'));
    expect(shown).toHaveLength(1);
    expect(shown[0]!.status).toBe(200);
    const recoveryCodes = recoveryCodesOn(shown[0]!.html);
    expect(recoveryCodes).toHaveLength(10);
    for (const other of answers.filter((answer) => answer !== shown[0])) {
      expect(other.status).toBe(409);
      expect(other.html).toContain(ALREADY_SET_UP);
      expect(recoveryCodesOn(other.html)).toEqual([]);
    }
    const overview = await accountPage(new Browser(), recoveryCodes[0]);
    expect(overview.html).toContain('You have 9 unused recovery codes');
  });
});
