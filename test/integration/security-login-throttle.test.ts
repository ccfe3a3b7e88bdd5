import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Browser, findForm, type Page } from '../helpers/browser.js';
import { authorizationUrl, pkcePair } from '../helpers/requests.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/start-gatehouse.js';

const ACCOUNT_LIMIT = 3;

/** Our login page for a fresh authorization request, in a fresh browser. */
async function loginPage(server: TestGatehouse): Promise<{ browser: Browser; page: Page }> {
  const browser = new Browser();
  const url = authorizationUrl(server.issuer, { code_challenge: (await pkcePair()).challenge, code_challenge_method: 'S256' });
  const page = await browser.open(url);
  expect(page.html).toContain('/login"');
  return { browser, page };
}

/** Posts the login form with these credentials (and extra request headers), staying on our pages. */
async function signInAttempt(browser: Browser, page: Page, username: string, password: string, headers: Record<string, string> = {}): Promise<Page> {
  const form = findForm(page.html, '/login');
  const action = new URL(form.action, page.url);
  const response = await browser.request(action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ ...form.hidden, username, password }),
  });
  return { url: action, status: response.status, headers: response.headers, html: await response.text() };
}

/** The page without what differs per interaction (its id, its CSRF token) or echoes the input. */
function normalized(page: Page, username: string): string {
  const form = findForm(page.html, '/login');
  const uid = /\/interaction\/([^/]+)\/login/.exec(form.action)![1]!;
  return page.html.replaceAll(uid, 'UID').replaceAll(form.hidden['csrf']!, 'CSRF').replaceAll(`value="${username}"`, 'value="USER"');
}

describe('login abuse: per-account throttle and no account enumeration', () => {
  let server: TestGatehouse;
  beforeAll(async () => {
    server = await startTestGatehouse({ LOGIN_MAX_FAILURES_PER_ACCOUNT: String(ACCOUNT_LIMIT), LOGIN_MAX_FAILURES_PER_ADDRESS: '1000' });
  });
  afterAll(() => server.close());

  it('unknown user and wrong password get the same status and the same page', async () => {
    const wrong = await loginPage(server);
    const unknown = await loginPage(server);
    const a = await signInAttempt(wrong.browser, wrong.page, 'demo', 'not-the-password');
    const b = await signInAttempt(unknown.browser, unknown.page, 'nobody-here', 'not-the-password');
    expect(a.status).toBe(401);
    expect(b.status).toBe(401);
    expect(a.html).toContain('Incorrect username or password.');
    expect(normalized(a, 'demo')).toBe(normalized(b, 'nobody-here'));
  });

  it(`after ${ACCOUNT_LIMIT} failures an account gets "try again later" with Retry-After, the same for existing and unknown accounts`, async () => {
    const throttled: Page[] = [];
    for (const username of ['demo', 'nobody-here']) {
      const { browser, page } = await loginPage(server);
      let last = page;
      // The first test spent one failure on each: this goes past the limit for both.
      for (let i = 0; i < ACCOUNT_LIMIT; i++) last = await signInAttempt(browser, last, username, `wrong-${i}`);
      const blocked = await signInAttempt(browser, last, username, 'still-wrong');
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(blocked.html).toMatch(/try again later/i);
      throttled.push(blocked);
    }
    const [existing, unknown] = throttled as [Page, Page];
    // Both windows opened in the first test, milliseconds apart.
    expect(Math.abs(Number(existing.headers.get('retry-after')) - Number(unknown.headers.get('retry-after')))).toBeLessThanOrEqual(1);
    expect(normalized(existing, 'demo')).toBe(normalized(unknown, 'nobody-here'));
  });

  it('while throttled, even the right password is not checked: the attacker learns nothing from it', async () => {
    const { browser, page } = await loginPage(server);
    const attempt = await signInAttempt(browser, page, 'demo', 'demo');
    expect(attempt.status).toBe(429);
    expect(attempt.html).toMatch(/try again later/i);
  });

  it('guesses sent all at once are limited like guesses sent one by one, and the right password then waits too', async () => {
    const fresh = await startTestGatehouse({ LOGIN_MAX_FAILURES_PER_ACCOUNT: String(ACCOUNT_LIMIT), LOGIN_MAX_FAILURES_PER_ADDRESS: '1000' });
    try {
      const { browser, page } = await loginPage(fresh);
      const burst = await Promise.all(Array.from({ length: 12 }, (_, i) => signInAttempt(browser, page, 'demo', `guess-${i}`)));
      expect(burst.filter((attempt) => attempt.status === 401)).toHaveLength(ACCOUNT_LIMIT);
      expect(burst.filter((attempt) => attempt.status === 429)).toHaveLength(12 - ACCOUNT_LIMIT);
      expect((await signInAttempt(browser, page, 'demo', 'demo')).status).toBe(429);
    } finally {
      await fresh.close();
    }
  });

  it('logs a lockout event and throttled attempts, without the username', async () => {
    const events = server.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry['event']);
    expect(events.filter((entry) => entry['event'] === 'login.lockout' && entry['scope'] === 'account')).toHaveLength(2);
    expect(events.some((entry) => entry['event'] === 'login.throttled')).toBe(true);
    const loginLines = server.logs.filter((line) => line.includes('"event":"login.'));
    expect(loginLines.join('\n')).not.toMatch(/nobody-here|not-the-password/);
  });
});

describe('login abuse: per-address throttle', () => {
  let server: TestGatehouse;
  afterAll(() => server?.close());

  it('one address failing on many accounts is throttled, for every account', async () => {
    server = await startTestGatehouse({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '100', LOGIN_MAX_FAILURES_PER_ADDRESS: '4' });
    const { browser, page } = await loginPage(server);
    let last = page;
    for (let i = 0; i < 4; i++) {
      last = await signInAttempt(browser, last, `stuffed-${i}`, 'password1');
      expect(last.status).toBe(401);
    }
    const blocked = await signInAttempt(browser, last, 'demo', 'demo');
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toBeTruthy();
  });
});

describe('login abuse: the client address behind a proxy', () => {
  it('X-Forwarded-For is ignored unless TRUST_PROXY is set, so it cannot be used to dodge the throttle', async () => {
    const server = await startTestGatehouse({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '100', LOGIN_MAX_FAILURES_PER_ADDRESS: '2' });
    try {
      const { browser, page } = await loginPage(server);
      let last = page;
      for (let i = 0; i < 2; i++) last = await signInAttempt(browser, last, `user-${i}`, 'x', { 'x-forwarded-for': `198.51.100.${i}` });
      const blocked = await signInAttempt(browser, last, 'user-9', 'x', { 'x-forwarded-for': '198.51.100.99' });
      expect(blocked.status).toBe(429);
    } finally {
      await server.close();
    }
  });

  it('with TRUST_PROXY=true each forwarded client address has its own count', async () => {
    const server = await startTestGatehouse({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '100', LOGIN_MAX_FAILURES_PER_ADDRESS: '2', TRUST_PROXY: 'true' });
    try {
      const { browser, page } = await loginPage(server);
      let last = page;
      for (let i = 0; i < 2; i++) last = await signInAttempt(browser, last, `user-${i}`, 'x', { 'x-forwarded-for': '198.51.100.1' });
      expect((await signInAttempt(browser, last, 'user-9', 'x', { 'x-forwarded-for': '198.51.100.1' })).status).toBe(429);
      expect((await signInAttempt(browser, last, 'user-9', 'x', { 'x-forwarded-for': '198.51.100.2' })).status).toBe(401);
    } finally {
      await server.close();
    }
  });
});

describe('login abuse: one set of counters for every sign-in form', () => {
  it('failures on the account security page count toward the login page, and the reverse', async () => {
    const server = await startTestGatehouse({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '2', LOGIN_MAX_FAILURES_PER_ADDRESS: '1000' });
    try {
      const accountPage = async (browser: Browser, password: string) => {
        const signInPage = await browser.open(`${server.issuer}/account/security`);
        return browser.submit(signInPage, '/account/security/sign-in', { username: 'demo', password });
      };
      const browser = new Browser();
      expect((await accountPage(browser, 'wrong-1')).status).toBe(401);
      const { browser: other, page } = await loginPage(server);
      const second = await signInAttempt(other, page, 'demo', 'wrong-2');
      expect(second.status).toBe(401);
      // Two failures, one on each form: both forms now refuse this account until the window ends.
      expect((await signInAttempt(other, second, 'demo', 'demo')).status).toBe(429);
      const accountAgain = await accountPage(new Browser(), 'demo');
      expect(accountAgain.status).toBe(429);
      expect(accountAgain.html).toMatch(/Too many attempts/);
    } finally {
      await server.close();
    }
  });
});
