import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateClientSecret, hashClientSecret } from '../../src/clients/client-secret.js';
import { ConfigError } from '../../src/config/config-error.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/start-gatehouse.js';

const SECRET = generateClientSecret();
const DIGEST = hashClientSecret(SECRET);
let server: TestGatehouse;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-secrets-'));
  await writeFile(join(dir, 'clients.json'), JSON.stringify([
    { client_id: 'hashed-basic', client_secret: DIGEST, grant_types: ['client_credentials'], redirect_uris: [], response_types: [] },
    { client_id: 'hashed-post', client_secret: DIGEST, grant_types: ['client_credentials'], redirect_uris: [], response_types: [], token_endpoint_auth_method: 'client_secret_post' },
  ]));
  server = await startTestGatehouse({ CLIENTS_FILE: join(dir, 'clients.json') });
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const basic = (id: string, secret: string) => fetch(`${server.issuer}/oauth/token`, {
  method: 'POST',
  headers: { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
  body: 'grant_type=client_credentials&scope=api:read',
});
const post = (id: string, secret: string) => fetch(`${server.issuer}/oauth/token`, {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'api:read', client_id: id, client_secret: secret }),
});

describe('client secrets stored as SHA-256 digests', () => {
  it('authenticate with the secret, by client_secret_basic and client_secret_post', async () => {
    expect((await basic('hashed-basic', SECRET)).status).toBe(200);
    expect((await post('hashed-post', SECRET)).status).toBe(200);
  });

  it('refuse the stored digest itself, and a wrong secret, with the same 401 invalid_client', async () => {
    const withDigest = await basic('hashed-basic', DIGEST);
    const wrong = await post('hashed-post', `${SECRET}x`);
    expect(withDigest.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(await withDigest.json()).toEqual(await wrong.json());
  });
});

describe('a static client whose secret is a digest', () => {
  it('cannot be configured for client_secret_jwt, which needs the secret itself: the boot says so', async () => {
    const file = join(dir, 'jwt-clients.json');
    await writeFile(file, JSON.stringify([
      { client_id: 'hashed-jwt', client_secret: DIGEST, grant_types: ['client_credentials'], redirect_uris: [], response_types: [], token_endpoint_auth_method: 'client_secret_jwt' },
    ]));
    const error = await startTestGatehouse({ CLIENTS_FILE: file }).then(async (started) => { await started.close(); return undefined; }, (e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/client "hashed-jwt": a client whose secret is stored as a digest cannot use token_endpoint_auth_method client_secret_jwt/);
  });
});
