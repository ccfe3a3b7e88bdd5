import { describe, expect, it } from '@jest/globals';
import * as client from 'openid-client';
import { Browser, findForm, type Page } from '../helpers/browser.js';
import { postForm } from '../helpers/requests.js';
import { startTestGatehouse } from '../helpers/start-gatehouse.js';
import { useGatehouse } from '../helpers/use-gatehouse.js';

const DEMO_DEVICE = 'demo-device';
const BASE_20_CODE = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/;

// One second between polls keeps the tests short; the default is five.
const { server, clients } = useGatehouse({ env: { DEVICE_POLL_INTERVAL: '1' }, clients: { device: { id: DEMO_DEVICE } } });

/** The person's side: our code entry page, the confirmation page, then sign-in and consent. */
async function enterCode(browser: Browser, verificationUri: string, typed: string): Promise<Page> {
  const entry = await browser.open(verificationUri);
  expect(entry.status).toBe(200);
  return browser.submit(entry, '/oauth/device', { user_code: typed });
}

const poll = (deviceCode: string) => fetch(`${server.issuer}/oauth/token`, {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: deviceCode, client_id: DEMO_DEVICE }),
});

describe('device authorization grant (RFC 8628) with openid-client', () => {
  it('a TV signs in: the user types its code on our page, confirms, signs in, allows, and the polling device gets tokens (counted under its grant)', async () => {
    const authorization = await client.initiateDeviceAuthorization(clients.device, { scope: 'openid profile offline_access' });
    expect(authorization.user_code).toMatch(BASE_20_CODE);
    expect(authorization.verification_uri).toBe(`${server.issuer}/oauth/device`);
    expect(authorization.interval).toBe(1);
    const polling = client.pollDeviceAuthorizationGrant(clients.device, authorization);

    const browser = new Browser();
    const entry = await browser.open(authorization.verification_uri);
    expect(entry.html).toContain('Enter the code shown on your');
    expect(entry.headers.get('content-security-policy')).toContain("default-src 'none'");
    // Typed the lazy way: lower case, a space instead of the dash.
    const confirmation = await browser.submit(entry, '/oauth/device', { user_code: authorization.user_code.toLowerCase().replace('-', ' ') });
    expect(confirmation.html).toContain('Connect this device?');
    expect(confirmation.html).toContain(authorization.user_code);
    expect(confirmation.html).toContain('Gatehouse Demo (TV)');

    const login = await browser.submit(confirmation, '/oauth/device', { confirm: 'yes' });
    const consent = await browser.submit(login, '/login', { username: 'demo', password: 'demo' });
    const done = await browser.submit(consent, '/consent', { decision: 'allow' });
    expect(done.html).toContain('Device connected');
    expect(done.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");

    const tokens = await polling;
    expect(tokens.claims()).toMatchObject({ iss: server.issuer, aud: DEMO_DEVICE });
    expect(tokens.refresh_token).toBeTruthy();
    const userinfo = await client.fetchUserInfo(clients.device, tokens.access_token, tokens.claims()!.sub);
    expect(userinfo['preferred_username']).toBe('demo');
    const metrics = await (await fetch(`${server.issuer}/metrics`)).text();
    for (const kind of ['access_token', 'refresh_token']) {
      expect(metrics).toContain(`gatehouse_tokens_issued_total{kind="${kind}",grant_type="urn:ietf:params:oauth:grant-type:device_code",format="opaque"} 1`);
    }
  });

  it('a wrong code is refused on the page and can be corrected', async () => {
    const authorization = await client.initiateDeviceAuthorization(clients.device, { scope: 'openid' });
    const browser = new Browser();
    const wrong = await enterCode(browser, authorization.verification_uri, 'BBBB-BBBB');
    expect(wrong.html).toContain('That code is not right');
    expect(wrong.html).toContain('value="BBBB-BBBB"');
    const corrected = await browser.submit(wrong, '/oauth/device', { user_code: authorization.user_code });
    expect(corrected.html).toContain('Connect this device?');
  });

  it('a code, or a return from sign-in, without the session cookie (expired, cleared, forged) brings the entry page back, not an error', async () => {
    const authorization = await client.initiateDeviceAuthorization(clients.device, { scope: 'openid' });
    const entry = await new Browser().open(authorization.verification_uri);
    const form = findForm(entry.html, '/oauth/device');
    for (const cookie of [undefined, '_session=forged; _session.sig=forged']) {
      // However the path is spelt: oidc-provider's router takes any letter case and a trailing slash.
      for (const path of ['/oauth/device', '/oauth/device/', '/OAuth/DEVICE']) {
        const response = await postForm(`${server.issuer}${path}`, { ...form.hidden, user_code: authorization.user_code }, { accept: 'text/html', ...(cookie ? { cookie } : {}) });
        expect([cookie, path, response.status, response.headers.get('location')]).toEqual([cookie, path, 303, `${server.issuer}/oauth/device`]);
      }
      // The same for the return from sign-in, which the session would have carried.
      for (const path of ['/oauth/device/some-uid', '/oauth/Device/some-uid/']) {
        for (const method of ['GET', 'HEAD']) {
          const resume = await fetch(`${server.issuer}${path}`, { method, redirect: 'manual', headers: { accept: 'text/html', ...(cookie ? { cookie } : {}) } });
          expect([cookie, path, method, resume.status, resume.headers.get('location')]).toEqual([cookie, path, method, 303, `${server.issuer}/oauth/device`]);
        }
      }
    }
    // Where it leads: a new session and the form, and the code goes through from there.
    const browser = new Browser();
    const again = await browser.open(`${server.issuer}/oauth/device`);
    expect(again.html).toContain('Enter the code shown on your');
    const confirmation = await browser.submit(again, '/oauth/device', { user_code: authorization.user_code });
    expect(confirmation.html).toContain('Connect this device?');
  });

  it('cancelling on the confirmation page gives the device access_denied', async () => {
    const authorization = await client.initiateDeviceAuthorization(clients.device, { scope: 'openid' });
    const browser = new Browser();
    const confirmation = await enterCode(browser, authorization.verification_uri, authorization.user_code);
    const cancelled = await browser.submit(confirmation, '/oauth/device', { abort: 'yes' });
    expect(cancelled.html).toContain('You cancelled');
    await expect(client.pollDeviceAuthorizationGrant(clients.device, authorization)).rejects.toMatchObject({ error: 'access_denied' });
  });

  it('a code is good for one device only: entering it again says it was used', async () => {
    const authorization = await client.initiateDeviceAuthorization(clients.device, { scope: 'openid' });
    const first = new Browser();
    const confirmation = await enterCode(first, authorization.verification_uri, authorization.user_code);
    await first.submit(confirmation, '/oauth/device', { confirm: 'yes' });
    const again = await enterCode(new Browser(), authorization.verification_uri, authorization.user_code);
    expect(again.html).toContain('already been used');
  });

  it('a device polling faster than the interval is told slow_down, and pending again once it waits', async () => {
    const authorization = await client.initiateDeviceAuthorization(clients.device, { scope: 'openid' });
    const first = await poll(authorization.device_code);
    expect(first.status).toBe(400);
    expect(await first.json()).toMatchObject({ error: 'authorization_pending' });
    const tooSoon = await poll(authorization.device_code);
    expect(tooSoon.status).toBe(400);
    expect(await tooSoon.json()).toMatchObject({ error: 'slow_down' });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await (await poll(authorization.device_code)).json()).toMatchObject({ error: 'authorization_pending' });
  });

  it('is published in discovery', async () => {
    const metadata = await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
    expect(metadata['device_authorization_endpoint']).toBe(`${server.issuer}/oauth/device/auth`);
    expect(metadata['grant_types_supported']).toContain('urn:ietf:params:oauth:grant-type:device_code');
  });
});

describe('device code entry is limited per address (RFC 8628 §5.1)', () => {
  it('past 30 codes in 10 minutes from one address, 429 with Retry-After and a page saying so; other pages still answer', async () => {
    const limited = await startTestGatehouse();
    try {
      const browser = new Browser();
      const entry = await browser.open(`${limited.issuer}/oauth/device`);
      const guess = () => browser.request(new URL(`${limited.issuer}/oauth/device`), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
        body: new URLSearchParams({ ...findForm(entry.html, '/oauth/device').hidden, user_code: 'BCDF-GHJK' }),
      });
      // A wrong code gets the entry page again, saying so; the 31st is not even checked.
      for (let i = 0; i < 30; i++) expect((await guess()).status).not.toBe(429);
      const refused = await guess();
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(500);
      expect(refused.headers.get('content-type')).toContain('text/html');
      expect(await refused.text()).toContain('Too many device codes were entered from this address');
      expect((await browser.open(`${limited.issuer}/oauth/device`)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
