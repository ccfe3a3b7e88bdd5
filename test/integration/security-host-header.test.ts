import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { findForm } from '../helpers/browser.js';
import { freePort } from '../helpers/free-port.js';
import { authorizationUrl, pkcePair, rawRequest, type RawResponse } from '../helpers/requests.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/start-gatehouse.js';

const ISSUER = 'https://id.example.test/auth';
const FORGED = { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http', forwarded: 'host=evil.example;proto=http' };

/** Every URL-looking string in a JSON document. */
function urlsIn(value: unknown): string[] {
  if (typeof value === 'string') return /^https?:\/\//.test(value) ? [value] : [];
  if (Array.isArray(value)) return value.flatMap(urlsIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(urlsIn);
  return [];
}

for (const trustProxy of ['false', 'true']) {
  describe(`forged Host and X-Forwarded-Host (TRUST_PROXY=${trustProxy})`, () => {
    let server: TestGatehouse;
    let local: string;
    beforeAll(async () => {
      const port = await freePort();
      server = await startTestGatehouse({ PORT: String(port), ISSUER, TRUST_PROXY: trustProxy });
      local = `http://127.0.0.1:${port}`;
    });
    afterAll(() => server.close());

    const get = (path: string, headers: Record<string, string> = FORGED) => rawRequest(`${local}${path}`, { headers });

    it('discovery metadata (OpenID and RFC 8414) is built from the configured issuer only', async () => {
      for (const path of ['/auth/.well-known/openid-configuration', '/.well-known/oauth-authorization-server/auth']) {
        const response = await get(path);
        expect(response.status).toBe(200);
        const metadata = JSON.parse(response.body) as Record<string, unknown>;
        expect(metadata['issuer']).toBe(ISSUER);
        const urls = urlsIn(metadata).filter((url) => !url.startsWith('http://localhost'));
        expect(urls.length).toBeGreaterThan(5);
        for (const url of urls) expect([url, url === ISSUER || url.startsWith(`${ISSUER}/`)]).toEqual([url, true]);
        expect(response.body).not.toContain('evil.example');
      }
    });

    it('redirects to our pages and back to the client name the configured issuer, never the forged host', async () => {
      const challenge = (await pkcePair()).challenge;
      const start = authorizationUrl(local, { code_challenge: challenge, code_challenge_method: 'S256' });
      const toInteraction = await get(`/auth/oauth/authorize${start.search}`);
      expect(toInteraction.status).toBe(303);
      const location = String(toInteraction.headers['location']);
      expect(location.startsWith('/auth/interaction/') || location.startsWith(`${ISSUER}/interaction/`)).toBe(true);

      const loginPage = await get(location.replace(ISSUER, '/auth'), { ...FORGED, cookie: cookiesOf(toInteraction) });
      expect(loginPage.status).toBe(200);
      expect(loginPage.body).not.toContain('evil.example');
      const form = findForm(loginPage.body, '/login');
      expect(form.action.startsWith('/auth/interaction/') || form.action.startsWith(`${ISSUER}/`)).toBe(true);

      const afterLogin = await rawRequest(`${local}${form.action.replace(ISSUER, '/auth')}`, {
        method: 'POST',
        headers: { ...FORGED, cookie: cookiesOf(toInteraction), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...form.hidden, username: 'demo', password: 'demo' }).toString(),
      });
      expect(afterLogin.status).toBe(303);
      expect(String(afterLogin.headers['location']).startsWith(`${ISSUER}/oauth/authorize/`)).toBe(true);
    });

    it('error redirects carry the configured issuer as iss (RFC 9207)', async () => {
      const challenge = (await pkcePair()).challenge;
      const url = authorizationUrl(local, { prompt: 'none', code_challenge: challenge, code_challenge_method: 'S256' });
      const response = await get(`/auth/oauth/authorize${url.search}`);
      const location = new URL(String(response.headers['location']));
      expect(location.searchParams.get('error')).toBe('login_required');
      expect(location.searchParams.get('iss')).toBe(ISSUER);
    });
  });
}

function cookiesOf(response: RawResponse): string {
  const setCookie = response.headers['set-cookie'];
  return (Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []).map((cookie) => cookie.split(';')[0]).join('; ');
}
