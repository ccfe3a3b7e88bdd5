import { PassThrough } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import * as client from 'openid-client';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/observability/logger.js';
import { createRedisStore } from '../../src/store/redis/create-redis-store.js';
import { Browser } from '../helpers/browser.js';
import { useCliDeployment } from '../helpers/cli-deployment.js';
import { DEMO_CONFIDENTIAL, DEMO_PUBLIC, discoverClient, signIn } from '../helpers/oauth.js';
import { describeWithRedis } from '../helpers/test-stores.js';

const PASSWORD = 'correct horse battery staple';

describeWithRedis('gatehouse user (admin CLI against the shared store)', 'redis-server-binary', () => {
  const deployment = useCliDeployment();

  const rp = () => discoverClient(deployment.server().issuer, DEMO_CONFIDENTIAL.id, DEMO_CONFIDENTIAL.secret);
  /** Submits our login page with these credentials: whether it let them in (consent page or back to the client). */
  async function signsIn(username: string, password: string): Promise<boolean> {
    const config = await rp();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256',
    });
    const browser = new Browser();
    const page = await browser.open(url);
    const answer = await browser.submit(page, '/login', { username, password }, (next) => next.origin === new URL(DEMO_CONFIDENTIAL.redirectUri).origin);
    if (answer.status === 401) return false;
    expect(answer.html).not.toContain('Incorrect username or password');
    return true;
  }

  it('creates a user from a password on standard input, who then signs in and gets their claims', async () => {
    const created = await deployment.cli(['user', 'create', '--username', 'Alice', '--email', 'alice@example.com', '--email-verified', '--name', 'Alice Liddell', '--password-stdin', '--json'], `${PASSWORD}\n`);
    expect(created.code).toBe(0);
    expect(created.json()).toMatchObject({ username: 'alice', email: 'alice@example.com', status: 'active' });

    const { tokens } = await signIn(await rp(), { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid profile email', username: 'alice', password: PASSWORD });
    expect(tokens.claims()).toMatchObject({ sub: created.json<{ sub: string }>().sub });
    const userinfo = await client.fetchUserInfo(await rp(), tokens.access_token, tokens.claims()!.sub);
    expect(userinfo).toMatchObject({ preferred_username: 'alice', name: 'Alice Liddell', email: 'alice@example.com', email_verified: true });
  });

  it('ends quietly, its work done, when the reader of its output goes away (`| head -1`): no stack trace', async () => {
    const piped = await deployment.cli(['user', 'create', '--username', 'hank', '--password-stdin'], PASSWORD, { stdoutClosed: true });
    expect(piped.stderr).toBe('');
    // A shell's status for a writer whose pipe closed (128 + SIGPIPE), as `yes | head -1` gives.
    expect(piped.code).toBe(141);
    expect((await deployment.cli(['user', 'show', 'hank'])).code).toBe(0);
  });

  it('never takes a password as an argument, and refuses short ones', async () => {
    const asArgument = await deployment.cli(['user', 'create', '--username', 'bob', '--password', 'hunter2hunter2']);
    expect(asArgument.code).toBe(2);
    expect(asArgument.stderr).toContain('unknown option --password');
    const withoutStdin = await deployment.cli(['user', 'create', '--username', 'bob'], 'hunter2hunter2');
    expect(withoutStdin.code).toBe(2);
    expect(withoutStdin.stderr).toMatch(/--password-stdin \(never as an argument/);
    const short = await deployment.cli(['user', 'create', '--username', 'bob', '--password-stdin'], 'short');
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/at least 8 characters/);
    const none = await deployment.cli(['user', 'create', '--username', 'bob', '--password-stdin'], '');
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no password was given on standard input/);
    const noneToSet = await deployment.cli(['user', 'set-password', 'demo', '--password-stdin'], '');
    expect(noneToSet.code).toBe(1);
    expect(noneToSet.stderr).toMatch(/no password was given on standard input/);
    expect((await deployment.cli(['user', 'show', 'bob'])).code).toBe(1);
  });

  it('refuses a taken username and a malformed email', async () => {
    const taken = await deployment.cli(['user', 'create', '--username', 'DEMO', '--password-stdin'], PASSWORD);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/the username "demo" is taken/);
    const email = await deployment.cli(['user', 'create', '--username', 'carol', '--email', 'not-an-email', '--password-stdin'], PASSWORD);
    expect(email.code).toBe(2);
  });

  it('refuses a username with control characters, terminal escape codes or invisible characters (exit 2)', async () => {
    const cases: Array<[string, RegExp]> = [
      ['evil\u001b[31mred', /--username must not contain control characters/],
      ['c1\u009b31m', /--username must not contain control characters/],
      ['zero\u200bwidth', /--username must not contain invisible characters/],
      ['admin\u202egnp.exe', /--username must not contain invisible characters/],
    ];
    for (const [username, message] of cases) {
      const result = await deployment.cli(['user', 'create', '--username', username, '--password-stdin'], PASSWORD);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    const named = await deployment.cli(['user', 'create', '--username', 'ivy', '--name', 'Ivy\u001b[2J', '--password-stdin'], PASSWORD);
    expect(named.code).toBe(2);
    expect(named.stderr).toMatch(/--name must not contain control characters/);
    // Nothing was written (the sub of each user is a random UUID: only the usernames are compared).
    const usernames = (await deployment.cli(['user', 'list', '--json'])).json<Array<{ username: string }>>().map((user) => user.username);
    expect(usernames.filter((name) => /evil|c1|zero|admin|ivy/.test(name))).toEqual([]);
  });

  it('list and show print stored values that hold control characters escaped, so they cannot drive the terminal', async () => {
    const store = await createRedisStore({ connection: loadConfig(deployment.server().env).redis!, logger: createLogger({ level: 'silent' }) });
    try {
      await store.accounts.create({ id: 'escaped-user', username: 'esc\u001b[31maped', passwordHash: 'x', name: 'Ev\u009bil\u202e\nNAME', createdAt: 1 });
    } finally {
      await store.close();
    }
    for (const args of [['user', 'list'], ['user', 'show', 'esc\u001b[31maped'], ['user', 'list', '--json']]) {
      const { stdout } = await deployment.cli(args);
      expect(stdout).toContain('esc\\u001b[31maped');
      expect(stdout).toContain('Ev\\u009bil\\u202e');
      expect(stdout).not.toMatch(/[\u001b\u009b\u202e]/);
    }
  });

  it('set-password: the old password stops working, the new one works', async () => {
    await deployment.cli(['user', 'create', '--username', 'dave', '--password-stdin'], PASSWORD);
    expect((await deployment.cli(['user', 'set-password', 'dave', '--password-stdin'], 'a brand new passphrase\n')).code).toBe(0);
    expect(await signsIn('dave', PASSWORD)).toBe(false);
    expect(await signsIn('dave', 'a brand new passphrase')).toBe(true);
  });

  it('disable: the user cannot sign in and their refresh token stops working; enable lets them back', async () => {
    await deployment.cli(['user', 'create', '--username', 'erin', '--password-stdin'], PASSWORD);
    const publicRp = await discoverClient(deployment.server().issuer, DEMO_PUBLIC.id);
    const { tokens } = await signIn(publicRp, {
      redirectUri: DEMO_PUBLIC.redirectUri, scope: 'openid offline_access', username: 'erin', password: PASSWORD, extra: { prompt: 'consent' },
    });

    expect((await deployment.cli(['user', 'disable', 'erin'])).code).toBe(0);
    expect(await signsIn('erin', PASSWORD)).toBe(false);
    await expect(client.refreshTokenGrant(publicRp, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    const introspection = await client.tokenIntrospection(publicRp, tokens.access_token);
    expect(introspection.active).toBe(false);

    expect((await deployment.cli(['user', 'enable', 'erin'])).code).toBe(0);
    expect(await signsIn('erin', PASSWORD)).toBe(true);
  });

  it('reset-second-factor removes an enrolled authenticator app, never showing its secret', async () => {
    await deployment.cli(['user', 'create', '--username', 'gina', '--password-stdin'], PASSWORD);
    const store = await createRedisStore({ connection: loadConfig(deployment.server().env).redis!, logger: createLogger({ level: 'silent' }) });
    try {
      const account = (await store.accounts.findByUsername('gina'))!;
      await store.accounts.update({ ...account, secondFactor: { totpSecret: 'JBSWY3DPEHPK3PXP', enrolledAt: 1, lastUsedStep: 0, recoveryCodeHashes: [], failedAttempts: 0 } });
      const shown = await deployment.cli(['user', 'show', 'gina', '--json']);
      expect(shown.json()).toMatchObject({ second_factor: 'totp' });
      expect(shown.stdout).not.toContain('JBSWY3DPEHPK3PXP');

      expect((await deployment.cli(['user', 'reset-second-factor', 'gina'])).code).toBe(0);
      expect((await store.accounts.findByUsername('gina'))!.secondFactor).toBeUndefined();
      const again = await deployment.cli(['user', 'reset-second-factor', 'gina']);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/no second factor enrolled/);
    } finally {
      await store.close();
    }
  });

  it('list and show never reveal a password hash; delete removes the user', async () => {
    await deployment.cli(['user', 'create', '--username', 'frank', '--password-stdin'], PASSWORD);
    const listed = await deployment.cli(['user', 'list', '--json']);
    expect(listed.json<Array<{ username: string }>>().map((user) => user.username)).toEqual(expect.arrayContaining(['demo', 'frank']));
    expect(listed.stdout).not.toMatch(/argon2|passwordHash/);
    expect((await deployment.cli(['user', 'list'])).stdout).toMatch(/^USERNAME\s+SUB\s+EMAIL/);

    expect((await deployment.cli(['user', 'delete', 'frank'])).code).toBe(0);
    const gone = await deployment.cli(['user', 'show', 'frank']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/there is no user "frank"/);
  });
});

describe('password input', () => {
  it('drops exactly one trailing newline from piped input', async () => {
    const { readPassword } = await import('../../src/cli/read-password.js');
    const io = (input: string) => ({ out() {}, err() {}, inputIsTerminal: false, readInput: async () => input, promptHidden: async () => '' });
    expect(await readPassword(io('pass word 1\n'), true)).toBe('pass word 1');
    expect(await readPassword(io('pass word 1\r\n'), true)).toBe('pass word 1');
    await expect(readPassword(io('line one\nline two\n'), true)).rejects.toThrow(/single line/);
  });

  it('says no password was given when standard input is empty (</dev/null, or an empty variable echoed)', async () => {
    const { readPassword } = await import('../../src/cli/read-password.js');
    const io = (input: string) => ({ out() {}, err() {}, inputIsTerminal: false, readInput: async () => input, promptHidden: async () => '' });
    for (const input of ['', '\n']) {
      await expect(readPassword(io(input), true)).rejects.toMatchObject({ name: 'CliError', message: expect.stringMatching(/^no password was given on standard input/), exitCode: 1 });
    }
  });

  /** A terminal in raw mode, as the hidden prompt puts standard input in: each key arrives as typed. */
  function fakeTerminal() {
    const input = Object.assign(new PassThrough(), { isTTY: true, isRaw: false, setRawMode(mode: boolean) { input.isRaw = mode; return input; } });
    let shown = '';
    return { input, output: { write: (text: string) => { shown += text; } }, shown: () => shown };
  }

  /** The hidden prompt on a fresh terminal, and these keys typed at it. */
  async function typeAtPrompt(keys: string) {
    const { promptHidden } = await import('../../src/cli/prompt-hidden.js');
    const terminal = fakeTerminal();
    const answer = promptHidden('Password: ', terminal);
    terminal.input.write(keys);
    return { answer, terminal, promptHidden };
  }

  it('the hidden prompt returns the line typed, echoing none of it', async () => {
    const { answer, terminal } = await typeAtPrompt('s3cret pass\r');
    await expect(answer).resolves.toBe('s3cret pass');
    expect(terminal.shown()).toBe('Password: \n');
    expect(terminal.input.isRaw).toBe(false);
  });

  it('Ctrl-C at the hidden prompt cancels the command with exit code 130, as an interrupt does', async () => {
    const { answer, terminal } = await typeAtPrompt('half typ\x03');
    await expect(answer).rejects.toMatchObject({ name: 'CliError', message: 'cancelled', exitCode: 130 });
    expect(terminal.input.isRaw).toBe(false);
  });

  it('Ctrl-D (end of input) at the hidden prompt fails the command, saying no password was typed', async () => {
    const { answer, promptHidden } = await typeAtPrompt('\x04');
    await expect(answer).rejects.toMatchObject({ name: 'CliError', message: expect.stringMatching(/no password was typed/), exitCode: 1 });
    const closed = fakeTerminal();
    closed.input.end();
    await expect(promptHidden('Password: ', closed)).rejects.toMatchObject({ exitCode: 1 });
  });
});
