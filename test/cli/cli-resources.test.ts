import { expect, it } from '@jest/globals';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { eventually, useCliDeployment } from '../helpers/cli-deployment.js';
import { runGatehouse } from '../helpers/gatehouse-cli.js';
import { redisCli } from '../helpers/redis-server.js';
import { describeWithRedis } from '../helpers/test-stores.js';

const AUDIENCE = 'https://orders.example.com';

describeWithRedis('gatehouse resource and token (admin CLI against the shared store)', 'redis-server-binary', () => {
  const deployment = useCliDeployment({ instances: 2 });

  const clientCredentials = (issuer: string, id: string, secret: string, params: Record<string, string>) => fetch(`${issuer}/oauth/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...params }),
  });

  it('a resource server created with the CLI gets RFC 9068 JWT access tokens from every running instance', async () => {
    const before = await clientCredentials(deployment.server(1).issuer, 'demo-confidential', 'demo-confidential-secret', { resource: AUDIENCE, scope: 'orders:read' });
    expect(await before.json()).toMatchObject({ error: 'invalid_target' });

    const created = await deployment.cli([
      'resource', 'create', '--audience', AUDIENCE, '--scope', 'orders:read orders:write',
      '--describe', 'orders:read=See your orders', '--jwt', '--ttl', '15m', '--json',
    ]);
    expect(created.code).toBe(0);
    expect(created.json()).toMatchObject({ audience: AUDIENCE, access_token_format: 'jwt', access_token_ttl: 900, scopes: { 'orders:read': 'See your orders' } });

    // A client limited to the new scope: the CLI validates it against the store's resource servers too.
    const worker = await deployment.cli(['client', 'create', '--name', 'Orders worker', '--grant-type', 'client_credentials', '--scope', 'orders:read', '--json']);
    expect(worker.code).toBe(0);
    const { client_id: id, client_secret: secret } = worker.json<{ client_id: string; client_secret: string }>();

    for (const index of [0, 1]) {
      const token = await eventually(`instance ${index} to issue tokens for the new resource server`, async () => {
        const response = await clientCredentials(deployment.server(index).issuer, id, secret, { resource: AUDIENCE, scope: 'orders:read' });
        return response.status === 200 ? (await response.json() as { access_token: string; expires_in: number }) : undefined;
      }, 3000);
      expect(decodeProtectedHeader(token.access_token)).toMatchObject({ typ: 'at+jwt', alg: 'ES256' });
      expect(decodeJwt(token.access_token)).toMatchObject({ aud: AUDIENCE, scope: 'orders:read', client_id: id });
      expect(token.expires_in).toBe(900);
    }
  });

  it('refuses an audience or a scope that is already taken, OIDC scopes, and a relative audience', async () => {
    const again = await deployment.cli(['resource', 'create', '--audience', deployment.server().apiUrl, '--scope', 'x:y']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
    // The same audience written another way is the same resource server.
    const spelled = await deployment.cli(['resource', 'create', '--audience', `${deployment.server().apiUrl.toUpperCase()}/`, '--scope', 'x:y']);
    expect(spelled.code).toBe(1);
    expect(spelled.stderr).toContain(`a resource server with audience ${deployment.server().apiUrl} already exists`);
    const sharedScope = await deployment.cli(['resource', 'create', '--audience', 'https://other.example.com', '--scope', 'api:read']);
    expect(sharedScope.stderr).toMatch(/api:read already belongs to .*; scopes must be unique/);
    const oidc = await deployment.cli(['resource', 'create', '--audience', 'https://other.example.com', '--scope', 'openid things:do']);
    expect(oidc.stderr).toMatch(/openid is an OpenID Connect scope/);
    const relative = await deployment.cli(['resource', 'create', '--audience', '/api', '--scope', 'things:do']);
    expect(relative.code).toBe(1);
    expect(relative.stderr).toMatch(/audience must be an absolute URL/);
    const ttl = await deployment.cli(['resource', 'create', '--audience', 'https://other.example.com', '--scope', 'things:do', '--ttl', '3d']);
    expect(ttl.code).toBe(2);
    expect(ttl.stderr).toMatch(/--ttl must be a duration/);
  });

  it('registers an audience in the form API_AUDIENCE takes, and a token request names it so', async () => {
    const created = await deployment.cli(['resource', 'create', '--audience', 'https://Invoices.Example.com:443/', '--scope', 'invoices:read', '--jwt', '--json']);
    expect(created.code).toBe(0);
    expect(created.json()).toMatchObject({ audience: 'https://invoices.example.com' });
    const twice = await deployment.cli(['resource', 'create', '--audience', 'https://invoices.example.com', '--scope', 'invoices:write']);
    expect(twice.stderr).toContain('a resource server with audience https://invoices.example.com already exists');

    const worker = (await deployment.cli(['client', 'create', '--name', 'Invoices', '--grant-type', 'client_credentials', '--scope', 'invoices:read', '--json']))
      .json<{ client_id: string; client_secret: string }>();
    const token = await eventually('the server to issue tokens for the new resource server', async () => {
      const response = await clientCredentials(deployment.server().issuer, worker.client_id, worker.client_secret, { resource: 'https://invoices.example.com', scope: 'invoices:read' });
      return response.status === 200 ? (await response.json() as { access_token: string }) : undefined;
    }, 3000);
    expect(decodeJwt(token.access_token)).toMatchObject({ aud: 'https://invoices.example.com' });
    expect((await deployment.cli(['resource', 'show', 'https://INVOICES.example.com/'])).code).toBe(0);
  });

  it('lists static and registered resource servers; delete is refused while a client lists its scopes', async () => {
    await deployment.cli(['resource', 'create', '--audience', 'https://reports.example.com', '--scope', 'reports:read']);
    const listed = (await deployment.cli(['resource', 'list', '--json'])).json<Array<{ audience: string; source: string }>>();
    expect(listed).toEqual(expect.arrayContaining([
      expect.objectContaining({ audience: deployment.server().apiUrl, source: 'static' }),
      expect.objectContaining({ audience: 'https://reports.example.com', source: 'registered' }),
    ]));
    const { client_id: id } = (await deployment.cli(['client', 'create', '--name', 'Reports', '--grant-type', 'client_credentials', '--scope', 'reports:read', '--json'])).json<{ client_id: string }>();
    const refused = await deployment.cli(['resource', 'delete', 'https://reports.example.com']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(id);
    expect((await deployment.cli(['client', 'delete', id])).code).toBe(0);
    expect((await deployment.cli(['resource', 'delete', 'https://reports.example.com'])).code).toBe(0);
    const fromConfig = await deployment.cli(['resource', 'delete', deployment.server().apiUrl]);
    expect(fromConfig.stderr).toMatch(/comes from configuration/);
  });

  it('show and delete act on the audience named exactly, among look-alikes registered before audiences were normalised', async () => {
    // Written straight into the store, as earlier versions registered them: as typed.
    const legacy = (audience: string, scope: string) => redisCli(deployment.redis.server()!.port, 'HSET', `${deployment.server().env['REDIS_KEY_PREFIX']}{resource-servers}`, audience,
      JSON.stringify({ audience, scopes: { [scope]: scope }, accessTokenFormat: 'opaque', accessTokenTTL: 600 }));
    await legacy('https://legacy.example/', 'leg:slash');
    await legacy('https://legacy.example', 'leg:bare');
    // Hidden behind the static demo API of the same audience.
    await legacy(deployment.server().apiUrl, 'leg:hidden');

    expect((await deployment.cli(['resource', 'show', 'https://legacy.example/', '--json'])).json()).toMatchObject({ scopes: { 'leg:slash': 'leg:slash' } });
    const ambiguous = await deployment.cli(['resource', 'show', 'https://LEGACY.example']);
    expect({ code: ambiguous.code, stderr: ambiguous.stderr }).toEqual({ code: 1, stderr: expect.stringContaining('name one exactly') });

    expect((await deployment.cli(['resource', 'delete', 'https://legacy.example/'])).code).toBe(0);
    const left = (await deployment.cli(['resource', 'list', '--json'])).json<Array<{ audience: string; scopes: Record<string, string> }>>();
    expect(left.filter((server) => server.audience.includes('legacy'))).toEqual([expect.objectContaining({ audience: 'https://legacy.example', scopes: { 'leg:bare': 'leg:bare' } })]);

    expect((await deployment.cli(['resource', 'delete', deployment.server().apiUrl])).code).toBe(0);
    expect((await deployment.cli(['resource', 'delete', deployment.server().apiUrl])).stderr).toMatch(/comes from configuration/);
  });

  it('token initial-access mints a token that dynamic registration accepts when it is required', async () => {
    const guarded = deployment.server();
    const minted = await deployment.cli(['token', 'initial-access', '--expires-in', '1h', '--json']);
    expect(minted.code).toBe(0);
    const { initial_access_token: token, registration_endpoint: endpoint } = minted.json<{ initial_access_token: string; registration_endpoint: string }>();
    expect(endpoint).toBe(`${guarded.issuer}/oauth/register`);
    // This deployment's registration is open; an instance on the same store that requires the token accepts it.
    const { startTestGatehouse } = await import('../helpers/start-gatehouse.js');
    const { REDIS_URL, REDIS_KEY_PREFIX, KEYS_ENCRYPTION_KEY } = guarded.env as Record<string, string>;
    const strict = await startTestGatehouse({ REDIS_URL: REDIS_URL!, REDIS_KEY_PREFIX: REDIS_KEY_PREFIX!, KEYS_ENCRYPTION_KEY: KEYS_ENCRYPTION_KEY!, REGISTRATION: 'initial-access-token' });
    try {
      const register = (authorization?: string) => fetch(`${strict.issuer}/oauth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ redirect_uris: ['https://app.example.com/cb'] }),
      });
      expect((await register()).status).toBe(401);
      expect((await register('Bearer not-a-token')).status).toBe(401);
      expect((await register(`Bearer ${token}`)).status).toBe(201);
    } finally {
      await strict.close();
    }
  });

  it('in production, runs on the Redis settings and KEYS_ENCRYPTION_KEY alone; ISSUER only to print the registration endpoint', async () => {
    const { REDIS_URL, REDIS_KEY_PREFIX, KEYS_ENCRYPTION_KEY } = deployment.server().env as Record<string, string>;
    const env = { NODE_ENV: 'production', REDIS_URL: REDIS_URL!, REDIS_KEY_PREFIX: REDIS_KEY_PREFIX!, KEYS_ENCRYPTION_KEY: KEYS_ENCRYPTION_KEY! };
    const commands = [['user', 'list'], ['client', 'list'], ['resource', 'list'], ['keys', 'list'], ['client', 'create', '--name', 'Made in production', '--public', '--redirect-uri', 'http://127.0.0.1/cb']];
    for (const args of commands) {
      const result = await runGatehouse(args, { env });
      expect({ args, code: result.code, stderr: result.stderr }).toEqual({ args, code: 0, stderr: '' });
    }
    expect((await runGatehouse(['user', 'list'], { env })).stdout).toMatch(/^demo\s/m);

    const withoutIssuer = await runGatehouse(['token', 'initial-access'], { env });
    expect(withoutIssuer.code).toBe(1);
    expect(withoutIssuer.stderr).toMatch(/^gatehouse: ISSUER is not set: this command prints the registration endpoint/);
    expect(withoutIssuer.stdout).toBe('');
    const minted = await runGatehouse(['token', 'initial-access', '--json'], { env: { ...env, ISSUER: 'https://id.example.com' } });
    expect(minted.code).toBe(0);
    expect(minted.json()).toMatchObject({ registration_endpoint: 'https://id.example.com/oauth/register' });
  });
});
