import { afterAll, describe, expect, it } from '@jest/globals';
import { Browser, findForm } from '../helpers/browser.js';
import { freePort } from '../helpers/free-port.js';
import { authorizationUrl, pkcePair } from '../helpers/requests.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/start-gatehouse.js';

const PUBLIC_ISSUER = 'https://id.example.test';

/**
 * Signs the demo user in through login and consent, sending every request to `local` (where the
 * server listens) while the server believes it is `issuer`: a TLS-terminating proxy in front of
 * us, as far as the server can tell. Returns every Set-Cookie header it received.
 */
async function signInCollectingCookies(local: string, issuer: string, headers: Record<string, string> = {}): Promise<string[]> {
  const browser = new Browser();
  const cookies: string[] = [];
  const toLocal = (url: string | URL) => new URL(String(url).replace(issuer, local), local);
  const step = async (url: URL, init: RequestInit = {}) => {
    const response = await browser.request(url, { ...init, headers: { ...headers, ...(init.headers as Record<string, string>) } });
    cookies.push(...response.headers.getSetCookie());
    return response;
  };

  const start = authorizationUrl(local, { scope: 'openid email', code_challenge: (await pkcePair()).challenge, code_challenge_method: 'S256' });
  let response = await step(start);
  let html = '';
  for (let hops = 0; hops < 10; hops++) {
    const location = response.headers.get('location');
    if (location?.startsWith('http://localhost:8080/')) return cookies;
    if (location) {
      response = await step(toLocal(location));
      continue;
    }
    html = await response.text();
    const actionPart = html.includes('/login"') ? '/login' : '/consent';
    const form = findForm(html, actionPart);
    const fields: Record<string, string> = actionPart === '/login' ? { username: 'demo', password: 'demo' } : { decision: 'allow' };
    response = await step(toLocal(form.action), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...form.hidden, ...fields }),
    });
  }
  throw new Error(`the flow did not reach the client: ${response.status} ${html.slice(0, 500)}`);
}

function attributes(cookie: string): Set<string> {
  return new Set(cookie.split(';').slice(1).map((part) => part.trim().split('=')[0]!.toLowerCase()));
}

const servers: TestGatehouse[] = [];
afterAll(() => Promise.all(servers.map((server) => server.close())));

async function start(env: Record<string, string>) {
  const port = await freePort();
  const server = await startTestGatehouse({ PORT: String(port), ISSUER: `http://localhost:${port}`, ...env });
  servers.push(server);
  return { server, local: `http://localhost:${port}` };
}

describe('cookies', () => {
  it('on an https issuer behind a TLS-terminating proxy, every cookie is Secure, HttpOnly and SameSite', async () => {
    const { local } = await start({ ISSUER: PUBLIC_ISSUER });
    const cookies = await signInCollectingCookies(local, PUBLIC_ISSUER);
    const names = cookies.map((cookie) => cookie.split('=')[0]);
    expect(names).toEqual(expect.arrayContaining(['_interaction', '_interaction.sig', '_interaction_resume', '_session', '_session.sig']));
    for (const cookie of cookies) {
      const flags = attributes(cookie);
      expect({ cookie, secure: flags.has('secure'), httpOnly: flags.has('httponly'), sameSite: flags.has('samesite') })
        .toEqual({ cookie, secure: true, httpOnly: true, sameSite: true });
    }
  });

  it('with TRUST_PROXY=true a forwarded "http" protocol cannot strip Secure from an https issuer\'s cookies', async () => {
    const { local } = await start({ ISSUER: PUBLIC_ISSUER, TRUST_PROXY: 'true' });
    const cookies = await signInCollectingCookies(local, PUBLIC_ISSUER, { 'x-forwarded-proto': 'http', 'x-forwarded-for': '203.0.113.5' });
    expect(cookies.length).toBeGreaterThan(4);
    for (const cookie of cookies) expect(attributes(cookie).has('secure')).toBe(true);
  });

  it('on a plain-http development issuer cookies are HttpOnly and SameSite (Secure would make browsers drop them)', async () => {
    const { local } = await start({});
    const cookies = await signInCollectingCookies(local, local);
    expect(cookies.length).toBeGreaterThan(4);
    for (const cookie of cookies) {
      const flags = attributes(cookie);
      expect(flags.has('httponly')).toBe(true);
      expect(flags.has('samesite')).toBe(true);
    }
  });
});
