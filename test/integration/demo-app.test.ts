import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Browser, findForm, type Page } from '../helpers/browser.js';
import { freePort } from '../helpers/free-port.js';
import { DEMO_CONFIDENTIAL } from '../helpers/oauth.js';
import { runMain } from '../helpers/run-main.js';
import { expectFailedStartOnTakenPort } from '../helpers/taken-port.js';
import { startTestDemo, type TestDemo } from '../helpers/start-demo.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/start-gatehouse.js';

let gatehouse: TestGatehouse;
let demo: TestDemo;

beforeAll(async () => {
  gatehouse = await startTestGatehouse();
  demo = await startTestDemo(gatehouse);
});
afterAll(async () => {
  await demo.close();
  await gatehouse.close();
});

/** Signs in through the demo: its /login → our login page → consent → back at the demo's home. */
async function signInThroughDemo(browser: Browser): Promise<Page> {
  const login = await browser.open(`${demo.url}/login`);
  expect(login.url.origin).toBe(gatehouse.issuer);
  const consent = await browser.submit(login, '/login', { username: 'demo', password: 'demo' });
  expect(consent.html).toContain('Gatehouse Demo');
  return browser.submit(consent, '/consent', { decision: 'allow' });
}

describe('the demo relying party', () => {
  it('is ready once it has discovered Gatehouse and registered itself', async () => {
    const response = await fetch(`${demo.url}/readyz`);
    expect(response.status).toBe(200);
    const body = await response.json() as { issuer: string; client_id: string };
    expect(body.issuer).toBe(gatehouse.issuer);
    expect(body.client_id).toMatch(/\S/);
  });

  it('signs in with code + PKCE and shows the ID token and the access token for the API', async () => {
    const home = await signInThroughDemo(new Browser());
    expect(home.url.href).toBe(`${demo.url}/`);
    expect(home.html).toContain('Hello, Demo User');
    // The access token is a JWT for the API (RFC 8707 resource, RFC 9068 profile).
    const accessClaims = /<table id="access-claims">([\s\S]*?)<\/table>/.exec(home.html)![1]!;
    expect(accessClaims).toContain(gatehouse.apiUrl);
    expect(accessClaims).toContain('api:read api:write');
    const idClaims = /<table id="id-claims">([\s\S]*?)<\/table>/.exec(home.html)![1]!;
    expect(idClaims).toContain(gatehouse.issuer);
    expect(idClaims).toContain('demo@example.com');
  });

  it('calls the protected API for reading and writing with the access token', async () => {
    const browser = new Browser();
    const home = await signInThroughDemo(browser);
    const afterRead = await browser.submit(home, '/api/read', {});
    expect(afterRead.html).toMatch(/GET \/protected<\/code> answered <strong[^>]*>200</);
    expect(afterRead.html).toContain('Hello from the protected API');
    const afterWrite = await browser.submit(afterRead, '/api/write', {});
    expect(afterWrite.html).toMatch(/POST \/protected\/messages<\/code> answered <strong[^>]*>201</);
  });

  it('refreshes: the new access token works at the API', async () => {
    const browser = new Browser();
    const home = await signInThroughDemo(browser);
    const jti = (page: Page) => /<code>jti<\/code><\/th><td>([^<]+)</.exec(/<table id="access-claims">([\s\S]*?)<\/table>/.exec(page.html)![1]!)![1];
    const refreshed = await browser.submit(home, '/refresh', {});
    expect(refreshed.html).toContain('Refreshed');
    expect(jti(refreshed)).not.toBe(jti(home));
    const afterRead = await browser.submit(refreshed, '/api/read', {});
    expect(afterRead.html).toMatch(/answered <strong[^>]*>200</);
  });

  it('signs out through Gatehouse (RP-initiated logout) and comes back signed out', async () => {
    const browser = new Browser();
    const home = await signInThroughDemo(browser);
    const confirm = await browser.submit(home, '/logout', {});
    expect(confirm.url.origin).toBe(gatehouse.issuer);
    expect(confirm.html).toContain('You are signing out of <strong>Gatehouse Demo</strong>');
    expect(confirm.html).toMatch(/Afterwards you go back to <strong>Gatehouse Demo<\/strong> at localhost:\d+/);
    const back = await browser.submit(confirm, '/oauth/logout', { logout: 'yes' });
    expect(back.url.href).toBe(`${demo.url}/`);
    expect(back.html).toContain('You are signed out');
    expect(back.html).toContain('Sign in with Gatehouse');
    // Gatehouse's session ended too: the next sign-in asks for the password again.
    const again = await browser.open(`${demo.url}/login`);
    expect(again.html).toContain('name="password"');
  });

  it('reports a denied consent instead of signing in', async () => {
    const browser = new Browser();
    const login = await browser.open(`${demo.url}/login`);
    const consent = await browser.submit(login, '/login', { username: 'demo', password: 'demo' });
    const home = await browser.submit(consent, '/consent', { decision: 'deny' });
    expect(home.url.href).toBe(`${demo.url}/`);
    expect(home.html).toContain('Gatehouse answered access_denied');
    expect(home.html).toContain('Sign in with Gatehouse');
  });

  it('refuses its own forms without the session token', async () => {
    const browser = new Browser();
    const home = await signInThroughDemo(browser);
    const form = findForm(home.html, '/api/read');
    const response = await browser.request(new URL(form.action, home.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: 'forged' }),
    });
    expect(response.status).toBe(403);
  });

  it('answers an address it does not serve with its error page, as it does a method a page does not take', async () => {
    for (const [method, path, status] of [['GET', '/nope', 404], ['GET', '/assets/nope.css', 404], ['POST', '/', 405]] as const) {
      const response = await fetch(`${demo.url}${path}`, { method, headers: { accept: 'text/html' } });
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await response.text();
      expect(html).toContain('Something went wrong');
      expect(html).toContain('Back to the demo');
    }
    expect(await (await fetch(`${demo.url}/nope`)).text()).toContain('There is no page at this address.');
  });

  it('says which check a sign-in response failed: its state (different, missing, given twice) or its issuer (different, missing)', async () => {
    const iss = encodeURIComponent(gatehouse.issuer);
    const cases: Array<[string, (state: string) => string, RegExp]> = [
      ['a different state', (state) => `code=x&state=${state}x&iss=${iss}`, /did not come from the sign-in this browser started \(state did not match\)/],
      ['no state', () => `code=x&iss=${iss}`, /did not come from the sign-in this browser started \(it has no state\)/],
      ['state twice', (state) => `code=x&state=${state}&state=${state}&iss=${iss}`, /gives state more than once/],
      ['another issuer', (state) => `code=x&state=${state}&iss=${encodeURIComponent('https://elsewhere.example')}`, new RegExp(`names another issuer \\(iss\\) than ${gatehouse.issuer}`)],
      ['no issuer', (state) => `code=x&state=${state}`, /does not name the issuer \(iss\)/],
    ];
    for (const [what, query, message] of cases) {
      const browser = new Browser();
      const authorize = await browser.open(`${demo.url}/login`, (url) => url.pathname === '/oauth/authorize');
      const home = await browser.open(`${demo.url}/callback?${query(authorize.url.searchParams.get('state')!)}`);
      expect(home.url.href).toBe(`${demo.url}/`);
      expect([what, home.html]).toEqual([what, expect.stringMatching(message)]);
      expect(home.html).not.toContain('invalid response encountered');
    }
  });

  it('ignores a callback that belongs to no sign-in started here', async () => {
    const page = await new Browser().open(`${demo.url}/callback?code=stolen&state=whatever`);
    expect(page.url.href).toBe(`${demo.url}/`);
    expect(page.html).toContain('does not belong to a sign-in started here');
  });
});

describe('the demo with the seeded client and behind an internal issuer address', () => {
  it('uses the seeded confidential client when DEMO_CLIENT_ID is given', async () => {
    // demo-confidential's registered redirect URIs name fixed ports; the test catches the redirect
    // to one of them and hands it to the demo, as a browser would on that port.
    const seeded = await startTestDemo(gatehouse, {
      DEMO_CLIENT_ID: DEMO_CONFIDENTIAL.id, DEMO_CLIENT_SECRET: DEMO_CONFIDENTIAL.secret, DEMO_REDIRECT_URI: DEMO_CONFIDENTIAL.redirectUri,
    });
    try {
      const browser = new Browser();
      const atRedirect = (url: URL) => url.href.startsWith(DEMO_CONFIDENTIAL.redirectUri);
      const login = await browser.open(`${seeded.url}/login`, atRedirect);
      const consent = await browser.submit(login, '/login', { username: 'demo', password: 'demo' }, atRedirect);
      expect(consent.html).toContain('Gatehouse Demo (confidential)');
      const callback = await browser.submit(consent, '/consent', { decision: 'allow' }, atRedirect);
      expect(callback.url.searchParams.get('code')).toBeTruthy();
      const home = await browser.open(`${seeded.url}/callback${callback.url.search}`);
      const idClaims = /<table id="id-claims">([\s\S]*?)<\/table>/.exec(home.html)![1]!;
      expect(idClaims).toContain('<code>aud</code></th><td>demo-confidential</td>');
    } finally {
      await seeded.close();
    }
  });

  it('reaches Gatehouse at an internal address while keeping the public issuer identifier', async () => {
    // As in docker compose: the public issuer's host does not resolve where the demo runs.
    const port = await freePort();
    const hidden = await startTestGatehouse({ PORT: String(port), ISSUER: `http://gatehouse.invalid:${port}` });
    const behind = await startTestDemo(hidden, { DEMO_ISSUER_INTERNAL_URL: `http://127.0.0.1:${port}` });
    try {
      const response = await fetch(`${behind.url}/readyz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'ready', issuer: `http://gatehouse.invalid:${port}` });
      // The authorization request goes to the public address (the browser's side).
      const start = await fetch(`${behind.url}/login`, { redirect: 'manual' });
      expect(start.headers.get('location')).toMatch(new RegExp(`^http://gatehouse\\.invalid:${port}/oauth/authorize\\?`));
    } finally {
      await behind.close();
      await hidden.close();
    }
  });

  it('is not ready, and says so, while Gatehouse cannot be reached', async () => {
    const nowhere = await startTestDemo({ issuer: `http://127.0.0.1:${await freePort()}`, apiUrl: 'http://127.0.0.1:9' });
    try {
      const response = await fetch(`${nowhere.url}/readyz`);
      expect(response.status).toBe(503);
      expect((await fetch(`${nowhere.url}/healthz`)).status).toBe(200);
      const page = await fetch(`${nowhere.url}/login`, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(502);
      expect(await page.text()).toContain('could not reach Gatehouse');
    } finally {
      await nowhere.close();
    }
  });
});

describe('the demo process', () => {
  it('whose port is taken logs one line saying why it did not start and exits 1, without a stack trace', async () => {
    await expectFailedStartOnTakenPort((port) => runMain(
      { DEMO_PORT: String(port), DEMO_HOST: '127.0.0.1', DEMO_ISSUER: 'http://127.0.0.1:9' },
      { entry: 'src/demo/main.ts' },
    ));
  });
});
