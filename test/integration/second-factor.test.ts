import { describe, expect, it } from '@jest/globals';
import * as client from 'openid-client';
import { totpAt } from '../../src/accounts/totp.js';
import { ACR_PASSWORD, ACR_SECOND_FACTOR } from '../../src/provider/acr.js';
import { Browser, findForm, type Page } from '../helpers/browser.js';
import { metricValue } from '../helpers/metrics-text.js';
import { authorize, DEMO_CONFIDENTIAL, signIn } from '../helpers/oauth.js';
import { useGatehouse } from '../helpers/use-gatehouse.js';

const { server, clients } = useGatehouse({ clients: { confidential: DEMO_CONFIDENTIAL } });
let secret = '';
let recoveryCodes: string[] = [];

const REDIRECT_URI = DEMO_CONFIDENTIAL.redirectUri;
const atClient = (url: URL) => url.origin === new URL(REDIRECT_URI).origin;
/**
 * A code is accepted once, and never one older than the last accepted: after enrolling with the
 * current step's code, the next step's (accepted early, within the ±1 window) is the one code
 * left for a sign-in in the next half minute. Further sign-ins here use recovery codes.
 */
const nextStepCode = () => totpAt(secret, Date.now() + 30_000);
let usedCode = '';

async function accountPage(browser: Browser, password = 'demo', code?: string): Promise<Page> {
  const signInPage = await browser.open(`${server.issuer}/account/security`);
  expect(signInPage.html).toContain('Sign in to turn two-step verification on or off');
  return browser.submit(signInPage, '/account/security/sign-in', { username: 'demo', password, ...(code ? { code } : {}) });
}

const metricsText = async () => (await fetch(`${server.issuer}/metrics`)).text();

/** Starts an authorization and signs in with the password; returns the page that follows. */
async function afterPassword(browser: Browser): Promise<Page> {
  const url = client.buildAuthorizationUrl(clients.confidential, {
    redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge_method: 'S256',
    code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
  });
  const login = await browser.open(url, atClient);
  return browser.submit(login, '/login', { username: 'demo', password: 'demo' }, atClient);
}

describe('two-step verification with an authenticator app', () => {
  it('before enrolment, a password sign-in reports amr ["pwd"] and the password acr', async () => {
    const { tokens } = await signIn(clients.confidential, { redirectUri: REDIRECT_URI, scope: 'openid' });
    expect(tokens.claims()).toMatchObject({ amr: ['pwd'], acr: ACR_PASSWORD });
    expect(typeof tokens.claims()!.auth_time).toBe('number');
  });

  it('an acr asked for is no condition: acr_values is voluntary and the claims parameter unsupported, so the ID token\'s acr tells the client', async () => {
    const metadata = await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
    expect(metadata['claims_parameter_supported']).toBe(false);
    const essential = JSON.stringify({ id_token: { acr: { essential: true, value: ACR_SECOND_FACTOR } } });
    for (const extra of [{ acr_values: ACR_SECOND_FACTOR }, { claims: essential }] as Record<string, string>[]) {
      const { tokens } = await signIn(clients.confidential, { redirectUri: REDIRECT_URI, scope: 'openid', extra });
      expect(tokens.claims()).toMatchObject({ amr: ['pwd'], acr: ACR_PASSWORD });
    }
  });

  it('signing out of the account page ends its session: a copy of the cookie stops working too', async () => {
    let cookiesSent = '';
    const browser = new Browser({ fetch: (input, init) => {
      cookiesSent = new Headers(init?.headers).get('cookie') ?? '';
      return fetch(input, init);
    } });
    const overview = await accountPage(browser);
    await browser.open(`${server.issuer}/account/security`);
    const copy = cookiesSent;
    const withCopy = () => fetch(`${server.issuer}/account/security`, { headers: { cookie: copy } }).then((response) => response.text());
    expect(await withCopy()).toContain('Sign out of this page');

    await browser.submit(overview, '/account/security/sign-out', {});
    expect(await withCopy()).toContain('Sign in to turn two-step verification on or off');
  });

  it('publishes the authentication context classes and the amr claim in discovery', async () => {
    const metadata = await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json() as Record<string, string[]>;
    expect(metadata['acr_values_supported']).toEqual([ACR_PASSWORD, ACR_SECOND_FACTOR]);
    expect(metadata['claims_supported']).toEqual(expect.arrayContaining(['acr', 'amr', 'auth_time', 'sid']));
  });

  it('the account page enrols an authenticator: QR code drawn by us, a confirming code, recovery codes shown once', async () => {
    const browser = new Browser();
    const overview = await accountPage(browser);
    expect(overview.html).toContain('Signed in as <strong>demo</strong>');
    expect(overview.html).toContain('Set up an authenticator app');

    const setup = await browser.open(`${server.issuer}/account/security/authenticator`);
    expect(setup.headers.get('content-security-policy')).toContain("img-src 'self' data:");
    expect(setup.html).toMatch(/<img src="data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+" alt="QR code/);
    const form = findForm(setup.html, '/account/security/authenticator');
    secret = form.hidden['secret']!;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const qr = Buffer.from(/data:image\/svg\+xml;base64,([^"]+)/.exec(setup.html)![1]!, 'base64').toString();
    expect(qr).toMatch(/^<svg /);

    const forged = await browser.submit(setup, '/account/security/authenticator', { secret: 'JBSWY3DPEHPK3PXP', code: totpAt('JBSWY3DPEHPK3PXP', Date.now()) });
    expect(forged.status).toBe(403);

    const done = await browser.submit(setup, '/account/security/authenticator', { code: totpAt(secret, Date.now()) });
    expect(done.html).toContain('Save your recovery codes');
    recoveryCodes = [...done.html.matchAll(/<li><code>([a-z2-9]{5}-[a-z2-9]{5})<\/code><\/li>/g)].map((match) => match[1]!);
    expect(recoveryCodes).toHaveLength(10);
    expect((await browser.open(`${server.issuer}/account/security`)).html).toContain('You have 10 unused recovery codes');
  });

  it('then sign-in asks for a code after the password, and the ID token says amr ["pwd", "otp"]', async () => {
    const browser = new Browser();
    const stepPage = await afterPassword(browser);
    expect(stepPage.html).toContain('Two-step verification');
    expect(stepPage.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    usedCode = nextStepCode();
    const { tokens } = await signIn(clients.confidential, { browser: new Browser(), redirectUri: REDIRECT_URI, scope: 'openid', secondFactorCode: () => usedCode });
    expect(tokens.claims()).toMatchObject({ amr: ['pwd', 'otp'], acr: ACR_SECOND_FACTOR });
  });

  it('a wrong code is refused on the page, and the password alone never reaches the client', async () => {
    const browser = new Browser();
    const stepPage = await afterPassword(browser);
    const wrong = await browser.submit(stepPage, '/second-factor', { code: '000000' }, atClient);
    expect(wrong.status).toBe(401);
    expect(wrong.html).toContain('That code is not right');
    expect(atClient(wrong.url)).toBe(false);
  });

  it('an expired code page still leads back to the application, from its address and from its form', async () => {
    const browser = new Browser();
    const stepPage = await afterPassword(browser);
    const form = findForm(stepPage.html, '/second-factor');
    browser.clearCookies();
    const asPage = { accept: 'text/html' };

    const reopened = await browser.request(stepPage.url, { headers: asPage });
    const submitted = await browser.request(new URL(form.action, stepPage.url), {
      method: 'POST', headers: { ...asPage, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...form.hidden, code: nextStepCode() }),
    });

    for (const page of [reopened, submitted]) {
      expect({ status: page.status, startAgain: (await page.text()).includes('Start again at Gatehouse Demo (confidential)') }).toEqual({ status: 400, startAgain: true });
    }
  });

  it('a code used for one sign-in does not work for another', async () => {
    await expect(authorize(clients.confidential, new Browser(), { redirectUri: REDIRECT_URI, scope: 'openid', secondFactorCode: () => usedCode }))
      .rejects.toThrow(/did not return to the client/);
  });

  it('the code page cannot be reached without the password first', async () => {
    const browser = new Browser();
    const stepPage = await afterPassword(browser);
    const uid = /\/interaction\/([^/]+)\/second-factor/.exec(stepPage.url.pathname)![1]!;
    const stranger = new Browser();
    const login = await stranger.open(client.buildAuthorizationUrl(clients.confidential, {
      redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge_method: 'S256',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
    }), atClient);
    const ownUid = /\/interaction\/([^/"]+)\/login/.exec(login.html)![1]!;
    expect(ownUid).not.toBe(uid);
    const skipped = await stranger.open(`${server.issuer}/interaction/${ownUid}/second-factor`);
    expect(skipped.html).toContain('/login"');
  });

  it('a recovery code signs in once', async () => {
    const recovery = recoveryCodes[0]!;
    const { tokens } = await signIn(clients.confidential, { redirectUri: REDIRECT_URI, scope: 'openid', secondFactorCode: () => recovery.toUpperCase() });
    expect(tokens.claims()!['amr']).toEqual(['pwd', 'otp']);
    await expect(authorize(clients.confidential, new Browser(), { redirectUri: REDIRECT_URI, scope: 'openid', secondFactorCode: () => recovery }))
      .rejects.toThrow(/did not return to the client/);
  });

  it('the account page needs the code too once enrolled, and can turn two-step verification off', async () => {
    const browser = new Browser();
    const askCode = await accountPage(browser);
    expect(askCode.status).toBe(401);
    expect(askCode.html).toContain('Enter the code from your authenticator app');
    const overview = await browser.submit(askCode, '/account/security/sign-in', { username: 'demo', password: 'demo', code: recoveryCodes[2]! });
    expect(overview.html).toContain('You have 8 unused recovery codes');
    const off = await browser.submit(overview, '/account/security/authenticator/remove', { code: recoveryCodes[1]! });
    expect(off.html).toContain('Two-step verification is off');
    const { tokens } = await signIn(clients.confidential, { redirectUri: REDIRECT_URI, scope: 'openid' });
    expect(tokens.claims()).toMatchObject({ amr: ['pwd'] });
  });

  it('refuses account-page forms without our CSRF token', async () => {
    const response = await fetch(`${server.issuer}/account/security/sign-in`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: new URLSearchParams({ username: 'demo', password: 'demo' }),
    });
    expect(response.status).toBe(403);
  });

  it('after five wrong codes in a row, stops checking codes (429), even a right one', async () => {
    const browser = new Browser();
    const overview = await accountPage(browser);
    const setup = await browser.open(`${server.issuer}/account/security/authenticator`);
    secret = findForm(setup.html, '/account/security/authenticator').hidden['secret']!;
    await browser.submit(setup, '/account/security/authenticator', { code: totpAt(secret, Date.now()) });
    expect(overview.status).toBe(200);

    const before = await metricsText();
    const signingIn = new Browser();
    let page = await afterPassword(signingIn);
    for (let attempt = 1; attempt <= 5; attempt++) page = await signingIn.submit(page, '/second-factor', { code: '000000' }, atClient);
    expect(page.status).toBe(429);
    expect(page.headers.get('retry-after')).toBe('900');
    const right = await signingIn.submit(page, '/second-factor', { code: totpAt(secret, Date.now() + 30_000) }, atClient);
    expect(right.status).toBe(429);
    expect(right.html).toContain('Too many wrong codes');

    // The right password with five wrong codes is no sign-in: five failures, one lockout.
    const after = await metricsText();
    const logins = (text: string, outcome: string) => metricValue(text, 'gatehouse_logins_total', { outcome });
    expect(['success', 'failure', 'lockout'].map((outcome) => logins(after, outcome) - logins(before, outcome))).toEqual([0, 5, 1]);
  });
});
