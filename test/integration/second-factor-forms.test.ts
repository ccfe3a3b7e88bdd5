import { describe, expect, it } from '@jest/globals';
import { totpAt } from '../../src/accounts/totp.js';
import { Browser, findForm, type Page } from '../helpers/browser.js';
import { authorizationUrl, pkcePair } from '../helpers/requests.js';
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

/** Recovery codes of the authenticator the set-up tests leave enrolled, for the tests after them. */
let recoveryCodes: string[] = [];

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
    recoveryCodes = recoveryCodesOn(shown[0]!.html);
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

/** Form fields, `code` given as many times as it has values. */
const withCode = (fields: Record<string, string>, ...codes: string[]) => {
  const body = new URLSearchParams(fields);
  for (const code of codes) body.append('code', code);
  return body;
};
/** What each form gets for a code that is empty, blank, missing or sent twice: no try is counted. */
const MALFORMED_CODES = [[''], ['   '], [], ['123456', '654321'], ['1', '2']];

describe('a code left empty or sent twice is refused without counting as a wrong one (five would pause code checks)', () => {
  it('at the sign-in step after the password', async () => {
    const browser = new Browser();
    const login = await browser.open(authorizationUrl(server.issuer, { code_challenge: (await pkcePair()).challenge, code_challenge_method: 'S256' }));
    const step = await browser.submit(login, '/login', { username: 'demo', password: 'demo' });
    expect(step.url.pathname).toMatch(/\/second-factor$/);
    const answers = [];
    for (const codes of MALFORMED_CODES) answers.push(await post(browser, step, '/second-factor', withCode({}, ...codes)));
    expect(answers.map((answer) => answer.status)).toEqual([400, 400, 400, 400, 400]);
    expect(answers[0]!.html).toContain('Enter the code from your authenticator app, or a recovery code.');
    expect(answers[3]!.html).toContain('This form is malformed');

    expect((await post(browser, step, '/second-factor', withCode({}, recoveryCodes[1]!))).status).toBe(303);
  });

  it('at the account page sign-in', async () => {
    const browser = new Browser();
    const signInPage = await browser.open(`${server.issuer}/account/security`);
    const credentials = { username: 'demo', password: 'demo' };
    const answers = [];
    for (const codes of MALFORMED_CODES) answers.push(await post(browser, signInPage, '/account/security/sign-in', withCode(credentials, ...codes)));
    expect(answers.map((answer) => answer.status)).toEqual([401, 401, 401, 400, 400]);
    expect(answers[1]!.html).toContain('Enter the code from your authenticator app, or a recovery code.');
    expect(answers[3]!.html).toContain('This form is malformed');

    expect((await post(browser, signInPage, '/account/security/sign-in', withCode(credentials, recoveryCodes[2]!))).status).toBe(303);
  });

  it('at the form that turns two-step verification off', async () => {
    const browser = new Browser();
    const overview = await accountPage(browser, recoveryCodes[3]);
    const answers = [];
    for (const codes of MALFORMED_CODES) answers.push(await post(browser, overview, '/account/security/authenticator/remove', withCode({}, ...codes)));
    expect(answers.map((answer) => answer.status)).toEqual([400, 400, 400, 400, 400]);
    expect(answers[0]!.html).toContain('Enter a current code from your authenticator app, or a recovery code, to turn it off.');
    expect(answers[3]!.html).toContain('This form is malformed');

    const off = await post(browser, overview, '/account/security/authenticator/remove', withCode({}, recoveryCodes[4]!));
    expect(off.html).toContain('Two-step verification is off');
  });
});
