import { expect, it } from '@jest/globals';
import * as client from 'openid-client';
import { totpAt } from '../../src/accounts/totp.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/observability/logger.js';
import { createRedisStore } from '../../src/store/redis/create-redis-store.js';
import { Browser, type Page } from '../helpers/browser.js';
import { useCliDeployment } from '../helpers/cli-deployment.js';
import { DEMO_CONFIDENTIAL, DEMO_PUBLIC, discoverClient, signIn } from '../helpers/oauth.js';
import { describeWithRedis } from '../helpers/test-stores.js';

const PASSWORD = 'correct horse battery staple';
const atClient = (redirectUri: string) => (url: URL) => url.origin === new URL(redirectUri).origin;

describeWithRedis('a browser signed in as a user the admin CLI disables or deletes', 'redis-server-binary', () => {
  const deployment = useCliDeployment();
  const issuer = () => deployment.server().issuer;

  /** A new user, signed in (and consented) through the confidential demo client in a fresh browser. */
  async function signedIn(username: string): Promise<Browser> {
    expect((await deployment.cli(['user', 'create', '--username', username, '--password-stdin'], PASSWORD)).code).toBe(0);
    const config = await discoverClient(issuer(), DEMO_CONFIDENTIAL.id, DEMO_CONFIDENTIAL.secret);
    const { browser } = await signIn(config, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid', username, password: PASSWORD });
    return browser;
  }

  /** Opens an authorization request of `rp` in `browser`; stops at the client's redirect_uri. */
  async function authorizeIn(browser: Browser, rp: { id: string; secret?: string; redirectUri: string }, extra: Record<string, string> = {}): Promise<Page> {
    const config = await discoverClient(issuer(), rp.id, rp.secret);
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: rp.redirectUri, scope: 'openid', state: client.randomState(), code_challenge_method: 'S256',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), ...extra,
    });
    return browser.open(url, atClient(rp.redirectUri));
  }

  /** The page shows our sign-in form, and no server error. */
  const expectLoginPage = (page: Page) => {
    expect(page.status).toBe(200);
    expect(page.html).toContain('/login"');
  };

  it.each([['disable', 'dave'], ['delete', 'dora']])('after `user %s`, the session counts as signed out: the login page, or login_required for prompt=none', async (action, username) => {
    const browser = await signedIn(username);
    expect((await deployment.cli(['user', action, username])).code).toBe(0);

    expectLoginPage(await authorizeIn(browser, DEMO_CONFIDENTIAL));
    expectLoginPage(await authorizeIn(browser, DEMO_CONFIDENTIAL, { prompt: 'consent' }));
    expectLoginPage(await authorizeIn(browser, DEMO_PUBLIC));
    const silent = await authorizeIn(browser, DEMO_CONFIDENTIAL, { prompt: 'none' });
    expect(atClient(DEMO_CONFIDENTIAL.redirectUri)(silent.url)).toBe(true);
    expect(silent.url.searchParams.get('error')).toBe('login_required');
  });

  it('the device flow asks a disabled user\'s browser to sign in again instead of confirming the device', async () => {
    const browser = await signedIn('dana');
    expect((await deployment.cli(['user', 'disable', 'dana'])).code).toBe(0);
    const device = await discoverClient(issuer(), 'demo-device');
    const authorization = await client.initiateDeviceAuthorization(device, { scope: 'openid' });
    const entry = await browser.open(authorization.verification_uri);
    const confirmation = await browser.submit(entry, '/oauth/device', { user_code: authorization.user_code });
    expect(confirmation.html).toContain('Connect this device?');
    expectLoginPage(await browser.submit(confirmation, '/oauth/device', { confirm: 'yes' }));
  });

  it('a user deleted while on the consent page is asked to sign in again, on opening it and on allowing', async () => {
    expect((await deployment.cli(['user', 'create', '--username', 'dirk', '--password-stdin'], PASSWORD)).code).toBe(0);
    const atConsent = async () => {
      const browser = new Browser();
      const login = await authorizeIn(browser, DEMO_CONFIDENTIAL);
      const consent = await browser.submit(login, '/login', { username: 'dirk', password: PASSWORD });
      expect(consent.html).toContain('Signed in as');
      return { browser, consent };
    };
    const [reopening, allowing] = [await atConsent(), await atConsent()];
    expect((await deployment.cli(['user', 'delete', 'dirk'])).code).toBe(0);

    expectLoginPage(await reopening.browser.open(reopening.consent.url, atClient(DEMO_CONFIDENTIAL.redirectUri)));
    expectLoginPage(await allowing.browser.submit(allowing.consent, '/consent', { decision: 'allow' }, atClient(DEMO_CONFIDENTIAL.redirectUri)));
  });

  it('a user disabled between their password and their second-factor code is refused, and the code is not accepted', async () => {
    expect((await deployment.cli(['user', 'create', '--username', 'dina', '--password-stdin'], PASSWORD)).code).toBe(0);
    const secret = 'JBSWY3DPEHPK3PXP';
    const store = await createRedisStore({ connection: loadConfig(deployment.server().env).redis!, logger: createLogger({ level: 'silent' }) });
    try {
      const account = (await store.accounts.findByUsername('dina'))!;
      await store.accounts.update({ ...account, secondFactor: { totpSecret: secret, enrolledAt: 1, lastUsedStep: 0, recoveryCodeHashes: [], failedAttempts: 0 } });
    } finally {
      await store.close();
    }
    const browser = new Browser();
    const login = await authorizeIn(browser, DEMO_CONFIDENTIAL);
    const step = await browser.submit(login, '/login', { username: 'dina', password: PASSWORD });
    expect(step.html).toContain('/second-factor"');
    expect((await deployment.cli(['user', 'disable', 'dina'])).code).toBe(0);

    // Stops where the page would hand a finished sign-in back to oidc-provider.
    const leavesOurPages = (url: URL) => !url.pathname.startsWith('/interaction/');
    const answer = await browser.submit(step, '/second-factor', { code: totpAt(secret, Date.now()) }, leavesOurPages);
    expect(leavesOurPages(answer.url)).toBe(false);
    expectLoginPage(answer);
  });
});
