import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect, it } from '@jest/globals';
import { decodeProtectedHeader, type JSONWebKeySet } from 'jose';
import { ConfigError } from '../../src/config/config-error.js';
import { eventually, useCliDeployment } from '../helpers/cli-deployment.js';
import { runGatehouse } from '../helpers/gatehouse-cli.js';
import { DEMO_CONFIDENTIAL, discoverClient, signIn } from '../helpers/oauth.js';
import { redisCli } from '../helpers/redis-server.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/start-gatehouse.js';
import { describeWithRedis } from '../helpers/test-stores.js';

interface KeyView {
  kid: string;
  alg: string;
  status: 'active' | 'next' | 'retiring' | 'expired';
  activates_at: string;
  retire_after?: string;
}

const jwks = async (server: TestGatehouse) => (await (await fetch(`${server.issuer}/oauth/jwks`)).json()) as JSONWebKeySet;
const kids = (set: JSONWebKeySet) => set.keys.map((key) => key.kid!);

/** A client_credentials JWT access token for this instance's protected API. */
async function accessToken(server: TestGatehouse): Promise<string> {
  const response = await fetch(`${server.issuer}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${DEMO_CONFIDENTIAL.id}:${DEMO_CONFIDENTIAL.secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'api:read', resource: server.apiUrl }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

const callApi = (server: TestGatehouse, token: string) => fetch(`${server.apiUrl}/protected`, { headers: { authorization: `Bearer ${token}` } });

describeWithRedis('gatehouse keys: rotation without downtime across instances', 'redis-server-binary', () => {
  const deployment = useCliDeployment({ instances: 2 });
  const [a, b] = [() => deployment.server(0), () => deployment.server(1)];

  it('both instances publish the same key set, seeded once into the store, private parts sealed', async () => {
    expect(await jwks(a())).toEqual(await jwks(b()));
    expect((await jwks(a())).keys.map((key) => key.alg).sort()).toEqual(['ES256', 'RS256']);

    const stored = await redisCli(deployment.redis.server()!.port, 'HGET', `${a().env['REDIS_KEY_PREFIX']}{key-set}`, 'record');
    const record = JSON.parse(stored) as { keys: Array<{ publicJwk: Record<string, unknown>; sealedPrivateJwk: string }> };
    expect(record.keys).toHaveLength(2);
    for (const key of record.keys) {
      expect(key.publicJwk).not.toHaveProperty('d');
      expect(key.sealedPrivateJwk).toMatch(/^v1\./);
    }
    expect(stored).not.toMatch(/"d":/);
  });

  it('a rotated key is published everywhere first, then signs; tokens signed before still verify', async () => {
    const oldToken = await accessToken(a());
    const oldKid = decodeProtectedHeader(oldToken).kid!;
    const [oldEs, oldRs] = [oldKid, (await jwks(a())).keys.find((key) => key.alg === 'RS256')!.kid!];

    const rotated = await deployment.cli(['keys', 'rotate', '--activate-in', '8s', '--json']);
    expect(rotated.code).toBe(0);
    const added = rotated.json<{ added: KeyView[] }>().added;
    const [newEs, newRs] = ['ES256', 'RS256'].map((alg) => added.find((key) => key.alg === alg)!.kid);
    expect(added.every((key) => key.status === 'next')).toBe(true);

    // Published by both instances within the refresh interval (1 s here), before it signs.
    const started = Date.now();
    await eventually('both instances to publish the new keys', async () => {
      const [setA, setB] = [await jwks(a()), await jwks(b())];
      return kids(setA).includes(newEs!) && kids(setB).includes(newEs!) ? true : undefined;
    });
    const propagation = Date.now() - started;
    console.log(`new keys published by both instances after ${propagation} ms (PROVIDER_REFRESH_SECONDS=1)`);
    expect(await jwks(a())).toEqual(await jwks(b()));
    expect(kids(await jwks(a()))).toEqual(expect.arrayContaining([oldEs, oldRs, newEs, newRs]));
    expect(decodeProtectedHeader(await accessToken(b())).kid).toBe(oldEs);

    // After activation every instance signs with the new keys: access tokens and ID tokens.
    const newToken = await eventually('instance A to sign with the new key', async () => {
      const token = await accessToken(a());
      return decodeProtectedHeader(token).kid === newEs ? token : undefined;
    }, 10_000);
    await eventually('instance B to sign with the new key', async () => (decodeProtectedHeader(await accessToken(b())).kid === newEs ? true : undefined), 3000);
    const rp = await discoverClient(b().issuer, DEMO_CONFIDENTIAL.id, DEMO_CONFIDENTIAL.secret);
    const { tokens } = await signIn(rp, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid' });
    expect(decodeProtectedHeader(tokens.id_token!).kid).toBe(newRs);
    // The active keys come first in the JWKS; the old ones are still there, verify-only.
    expect(kids(await jwks(b())).slice(0, 2).sort()).toEqual([newEs, newRs].sort());

    // The API fetched the JWKS after the new key was published: it verifies old and new tokens.
    expect((await callApi(a(), oldToken)).status).toBe(200);
    expect((await callApi(a(), newToken)).status).toBe(200);

    const listed = (await deployment.cli(['keys', 'list', '--json'])).json<KeyView[]>();
    expect(listed.find((key) => key.kid === oldEs)).toMatchObject({ status: 'retiring', retire_after: expect.any(String) });
    expect(listed.find((key) => key.kid === newEs)).toMatchObject({ status: 'active' });
    expect((await deployment.cli(['keys', 'list'])).stdout).toMatch(new RegExp(`${oldEs}\\s+ES256\\s+retiring`));

    // Retiring: never the active key; a retiring one only with --force, and then it is gone everywhere.
    const active = await deployment.cli(['keys', 'retire', newEs!]);
    expect(active.code).toBe(1);
    expect(active.stderr).toMatch(/is the active ES256 key/);
    const early = await deployment.cli(['keys', 'retire', oldEs]);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/may be valid until .* pass --force/);
    expect((await deployment.cli(['keys', 'retire', oldEs, '--force'])).code).toBe(0);
    await eventually('both instances to stop publishing the retired key', async () =>
      (!kids(await jwks(a())).includes(oldEs) && !kids(await jwks(b())).includes(oldEs) ? true : undefined));
    // B's API has not fetched the JWKS yet: it never learns the retired key.
    expect((await callApi(b(), oldToken)).status).toBe(401);
  }, 30_000);

  it('refuses to start with a KEYS_ENCRYPTION_KEY that does not open the stored keys, and says which variable to fix', async () => {
    const { REDIS_URL, REDIS_KEY_PREFIX } = a().env as Record<string, string>;
    const error = await startTestGatehouse({ REDIS_URL: REDIS_URL!, REDIS_KEY_PREFIX: REDIS_KEY_PREFIX!, KEYS_ENCRYPTION_KEY: randomBytes(32).toString('base64') })
      .then(async (server) => { await server.close(); return undefined; }, (e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/KEYS_ENCRYPTION_KEY must list the key the store's signing keys were sealed with/);
  });

  it('refuses to change the key set with a KEYS_ENCRYPTION_KEY that does not open the stored keys', async () => {
    const before = (await deployment.cli(['keys', 'list', '--json'])).json<KeyView[]>();
    const env = { ...a().env, KEYS_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
    const retiring = before.find((key) => key.status === 'retiring')?.kid ?? before[0]!.kid;
    for (const args of [['keys', 'rotate'], ['keys', 'retire', retiring, '--force']]) {
      const refused = await runGatehouse(args, { env });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/KEYS_ENCRYPTION_KEY does not match the key the stored signing keys are sealed with/);
      expect(refused.stdout).toBe('');
    }
    expect((await deployment.cli(['keys', 'list', '--json'])).json<KeyView[]>()).toEqual(before);
  });

  it('refuses to change the key set without KEYS_ENCRYPTION_KEY, naming it, and writes no key of its own', async () => {
    const before = (await deployment.cli(['keys', 'list', '--json'])).json<KeyView[]>();
    const { KEYS_ENCRYPTION_KEY: _key, ...withoutKey } = a().env;
    // A DATA_DIR of its own, as the CLI run from another directory has: no server keeps a development key there.
    const dataDir = join(await mkdtemp(join(tmpdir(), 'gatehouse-cli-')), 'data');
    try {
      const refused = await runGatehouse(['keys', 'rotate'], { env: { ...withoutKey, DATA_DIR: dataDir } });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/KEYS_ENCRYPTION_KEY is not set, and there is no development key at /);
      expect(refused.stderr).not.toMatch(/does not match/);
      await expect(stat(dataDir)).rejects.toThrow(/ENOENT/);
    } finally {
      await rm(dirname(dataDir), { recursive: true, force: true });
    }
    expect((await deployment.cli(['keys', 'list', '--json'])).json<KeyView[]>()).toEqual(before);
  });

  it('rejects a bad --activate-in and an unknown or repeated algorithm before touching the store', async () => {
    const bad = await deployment.cli(['keys', 'rotate', '--activate-in', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--activate-in must be a duration like 90s/);
    const alg = await deployment.cli(['keys', 'rotate', '--alg', 'HS256']);
    expect(alg.code).toBe(2);
    expect(alg.stderr).toMatch(/--alg must be RS256 or ES256/);
    // Two new keys of one algorithm in one generation: only one of them would ever sign.
    const twice = await deployment.cli(['keys', 'rotate', '--alg', 'RS256', '--alg', 'ES256', '--alg', 'RS256']);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/--alg RS256 is given twice/);
    const unknown = await deployment.cli(['keys', 'retire', 'no-such-kid']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no signing key with kid "no-such-kid"/);
  });
});
