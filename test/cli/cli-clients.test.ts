import { describe, expect, it } from '@jest/globals';
import * as client from 'openid-client';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/observability/logger.js';
import { createRedisStore } from '../../src/store/redis/create-redis-store.js';
import { Browser } from '../helpers/browser.js';
import { useCliDeployment } from '../helpers/cli-deployment.js';
import { runGatehouse } from '../helpers/gatehouse-cli.js';
import { discoverClient, signIn } from '../helpers/oauth.js';
import { redisCli } from '../helpers/redis-server.js';
import { describeWithRedis } from '../helpers/test-stores.js';

interface CreatedClient {
  client_id: string;
  client_secret?: string;
  client_secret_storage: string;
  type: string;
}

const tokenRequest = (issuer: string, id: string, secret: string) => fetch(`${issuer}/oauth/token`, {
  method: 'POST',
  headers: {
    authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`,
    'content-type': 'application/x-www-form-urlencoded',
  },
  body: 'grant_type=client_credentials&scope=api:read',
});

describeWithRedis('gatehouse client (admin CLI against the shared store)', 'redis-server-binary', () => {
  const deployment = useCliDeployment();

  it('creates a confidential client that a real relying party signs a user in with; the secret is shown once and stored as a digest', async () => {
    const created = await deployment.cli([
      'client', 'create', '--name', 'Billing', '--redirect-uri', 'http://127.0.0.1:8090/cb',
      '--grant-type', 'authorization_code', '--grant-type', 'client_credentials', '--scope', 'openid profile api:read', '--json',
    ]);
    expect(created.code).toBe(0);
    const metadata = created.json<CreatedClient>();
    expect(metadata).toMatchObject({ type: 'confidential', client_secret_storage: 'sha256-digest' });
    expect(metadata.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const server = deployment.server();
    const rp = await discoverClient(server.issuer, metadata.client_id, metadata.client_secret);
    const { tokens } = await signIn(rp, { redirectUri: 'http://127.0.0.1:8090/cb', scope: 'openid profile' });
    expect(tokens.claims()?.aud).toBe(metadata.client_id);

    const stored = await redisCli(deployment.redis.server()!.port, 'HGET', `${server.env['REDIS_KEY_PREFIX']}Client:{${metadata.client_id}}`, 'payload');
    expect(stored).toContain('$sha256$');
    expect(stored).not.toContain(metadata.client_secret);

    // Shown once: `show` and `list` never print it.
    const shown = await deployment.cli(['client', 'show', metadata.client_id, '--json']);
    expect(shown.json()).toMatchObject({ client_id: metadata.client_id, client_name: 'Billing', source: 'registered' });
    expect(shown.stdout).not.toContain(metadata.client_secret);
    expect(shown.stdout).not.toContain('$sha256$');
  });

  it('rotate-secret: the old secret gets invalid_client at once, the new one works', async () => {
    const { client_id: id, client_secret: oldSecret } = (await deployment.cli([
      'client', 'create', '--name', 'Worker', '--grant-type', 'client_credentials', '--json',
    ])).json<CreatedClient>();
    const issuer = deployment.server().issuer;
    expect((await tokenRequest(issuer, id, oldSecret!)).status).toBe(200);

    const rotated = await deployment.cli(['client', 'rotate-secret', id, '--json']);
    expect(rotated.code).toBe(0);
    const newSecret = rotated.json<{ client_secret: string }>().client_secret;
    expect(newSecret).not.toBe(oldSecret);

    const refused = await tokenRequest(issuer, id, oldSecret!);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: 'invalid_client' });
    expect((await tokenRequest(issuer, id, newSecret)).status).toBe(200);
  });

  it('update changes what the server shows on its next request; delete makes the client unknown', async () => {
    const { client_id: id, client_secret: secret } = (await deployment.cli([
      'client', 'create', '--name', 'Old Name', '--redirect-uri', 'https://app.example.com/cb', '--json',
    ])).json<CreatedClient>();
    const updated = await deployment.cli(['client', 'update', id, '--name', 'New Name', '--grant-type', 'authorization_code', '--grant-type', 'client_credentials']);
    expect(updated.code).toBe(0);

    const server = deployment.server();
    const rp = await discoverClient(server.issuer, id, secret);
    const url = client.buildAuthorizationUrl(rp, {
      redirect_uri: 'https://app.example.com/cb', scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256',
    });
    const loginPage = await new Browser().open(url);
    expect(loginPage.html).toContain('New Name');
    expect((await tokenRequest(server.issuer, id, secret!)).status).toBe(200);

    expect((await deployment.cli(['client', 'delete', id])).code).toBe(0);
    const afterDelete = await tokenRequest(server.issuer, id, secret!);
    expect(afterDelete.status).toBe(401);
    const show = await deployment.cli(['client', 'show', id]);
    expect(show.code).toBe(1);
    expect(show.stderr).toMatch(/no client with client_id/);
  });

  it('creates public clients without a secret, and lists every client with where it comes from', async () => {
    const created = await deployment.cli(['client', 'create', '--name', 'Mobile', '--public', '--native', '--redirect-uri', 'http://127.0.0.1/cb', '--id', 'mobile-app', '--json']);
    expect(created.json()).toMatchObject({ client_id: 'mobile-app', type: 'public', client_secret_storage: 'none', token_endpoint_auth_method: 'none' });
    expect(created.json()).not.toHaveProperty('client_secret');
    const rotate = await deployment.cli(['client', 'rotate-secret', 'mobile-app']);
    expect(rotate.code).toBe(1);
    expect(rotate.stderr).toMatch(/public/);

    const listed = (await deployment.cli(['client', 'list', '--json'])).json<Array<{ client_id: string; source: string }>>();
    expect(listed).toEqual(expect.arrayContaining([
      expect.objectContaining({ client_id: 'demo-confidential', source: 'static' }),
      expect.objectContaining({ client_id: 'mobile-app', source: 'registered' }),
    ]));
    const table = await deployment.cli(['client', 'list']);
    expect(table.stdout).toMatch(/^CLIENT_ID\s+NAME\s+TYPE/);
    expect(table.stdout).toMatch(/mobile-app\s+Mobile\s+public/);
  });

  it('list and show print a stored name that holds control characters escaped, so it cannot drive the terminal', async () => {
    const server = deployment.server();
    const store = await createRedisStore({ connection: loadConfig(server.env).redis!, logger: createLogger({ level: 'silent' }) });
    try {
      await store.clients.save({ client_id: 'escaped-name', client_name: 'evil\u001b[31mred\u009b\u202e', redirect_uris: [], grant_types: ['client_credentials'], response_types: [], token_endpoint_auth_method: 'client_secret_basic', client_secret: 'x'.repeat(43) });
    } finally {
      await store.close();
    }
    for (const args of [['client', 'list'], ['client', 'show', 'escaped-name'], ['client', 'show', 'escaped-name', '--json']]) {
      const { stdout } = await deployment.cli(args);
      expect(stdout).toContain('evil\\u001b[31mred\\u009b\\u202e');
      expect(stdout).not.toMatch(/[\u001b\u009b\u202e]/);
    }
  });

  it('sees clients registered dynamically, and keeps their plain-text secret form when rotating (RFC 7592 needs it)', async () => {
    const server = deployment.server();
    const registered = await (await fetch(`${server.issuer}/oauth/register`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Self-registered', redirect_uris: ['https://self.example.com/cb'], grant_types: ['client_credentials'], response_types: [] }),
    })).json() as { client_id: string };
    const shown = (await deployment.cli(['client', 'show', registered.client_id, '--json'])).json();
    expect(shown).toMatchObject({ client_name: 'Self-registered', client_secret_storage: 'plain-text' });
    const rotated = (await deployment.cli(['client', 'rotate-secret', registered.client_id, '--json'])).json<{ client_secret: string }>();
    expect((await tokenRequest(server.issuer, registered.client_id, rotated.client_secret)).status).toBe(200);
  });

  describe('refuses bad input with a clear message and a non-zero exit', () => {
    it('a redirect URI that is neither https nor loopback, or a scope nobody defines (exit 1, nothing written)', async () => {
      const insecure = await deployment.cli(['client', 'create', '--name', 'X', '--redirect-uri', 'http://app.example.com/cb', '--id', 'never-written']);
      expect(insecure.code).toBe(1);
      expect(insecure.stderr).toMatch(/^gatehouse: invalid client: redirect_uris must use https, or http on a loopback address/);
      const scope = await deployment.cli(['client', 'create', '--name', 'X', '--redirect-uri', 'https://a.example/cb', '--scope', 'openid nonsense:scope']);
      expect(scope.code).toBe(1);
      expect(scope.stderr).toMatch(/scope must only contain Authorization Server supported scope values/);
      expect((await deployment.cli(['client', 'show', 'never-written'])).code).toBe(1);
    });

    it('client_credentials for a public client: anyone knowing its id could mint tokens (exit 1, nothing written)', async () => {
      const machine = await deployment.cli(['client', 'create', '--name', 'X', '--public', '--grant-type', 'client_credentials', '--id', 'public-machine']);
      expect(machine.code).toBe(1);
      expect(machine.stderr).toMatch(/^gatehouse: invalid client: grant_types client_credentials is only for confidential clients/);
      expect((await deployment.cli(['client', 'show', 'public-machine'])).code).toBe(1);
    });

    it('a missing required option, an unknown option or command (exit 2, with where to find the usage)', async () => {
      const missing = await deployment.cli(['client', 'create', '--redirect-uri', 'https://a.example/cb']);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('gatehouse: --name is required');
      expect(missing.stderr).toContain('gatehouse client create --help');
      const unknown = await deployment.cli(['client', 'create', '--nmae', 'X']);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('unknown option --nmae');
      const command = await deployment.cli(['client', 'destroy', 'x']);
      expect(command.code).toBe(2);
      expect(command.stderr).toMatch(/unknown command "client destroy"[\s\S]*Commands:/);
      expect((await deployment.cli(['client', 'update', 'demo-confidential'])).stderr).toMatch(/nothing to update/);
    });

    it('a name with control characters or terminal escape codes, which would reach terminals, pages and logs (exit 2, nothing written)', async () => {
      for (const name of ['evil\u001b[31mred', 'bell\u0007', 'c1\u009b31m', 'del\u007f']) {
        const result = await deployment.cli(['client', 'create', '--name', name, '--public', '--redirect-uri', 'http://127.0.0.1/cb', '--id', 'never-named']);
        expect(result.code).toBe(2);
        expect(result.stderr).toMatch(/^gatehouse: --name must not contain control characters/);
      }
      expect((await deployment.cli(['client', 'show', 'never-named'])).code).toBe(1);
      const update = await deployment.cli(['client', 'update', 'demo-confidential', '--name', 'x\u001b]0;title\u0007']);
      expect(update.code).toBe(2);
    });

    it('changing a client that comes from configuration files', async () => {
      const result = await deployment.cli(['client', 'update', 'demo-confidential', '--name', 'Changed']);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/comes from configuration .* change it there/);
      expect(result.stdout).toBe('');
    });

    it('running without a shared store', async () => {
      const { REDIS_URL: _redis, ...env } = deployment.server().env;
      const result = await runGatehouse(['client', 'list'], { env });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/no shared store is configured: set REDIS_URL/);
    });

    it('a Redis that does not answer: a one-line error, no stack trace', async () => {
      const result = await runGatehouse(['client', 'list'], { env: { ...deployment.server().env, REDIS_URL: 'redis://127.0.0.1:1', REDIS_CONNECT_TIMEOUT_MS: '500' } });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^gatehouse: cannot reach Redis \(redis:\/\/127\.0\.0\.1:1\/0\)/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    });
  });

  it('--help works at every level and exits 0', async () => {
    const top = await deployment.cli(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/Usage: gatehouse <group> <command>[\s\S]*client[\s\S]*keys/);
    expect((await deployment.cli(['client', '--help'])).stdout).toMatch(/rotate-secret/);
    const create = await deployment.cli(['client', 'create', '--help']);
    expect(create.code).toBe(0);
    expect(create.stdout).toMatch(/--redirect-uri URL \.\.\./);
    // --help needs no store at all.
    expect((await runGatehouse(['user', 'create', '--help'], { env: {} })).code).toBe(0);
  });

  it('a client created through the CLI is usable at once: the server reads clients from the store on every lookup', async () => {
    const { client_id: id, client_secret: secret } = (await deployment.cli(['client', 'create', '--name', 'Now', '--grant-type', 'client_credentials', '--json'])).json<CreatedClient>();
    expect((await tokenRequest(deployment.server().issuer, id, secret!)).status).toBe(200);
  });
});
