import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPasswordHasher } from '../../src/accounts/password-hasher.js';
import { createAccountService } from '../../src/accounts/account-service.js';
import { generateSigningKeys } from '../../src/keys/signing-keys.js';
import { productionProblems } from '../../src/security/production-guard.js';
import { createMemoryAccountRepository } from '../../src/store/memory/memory-account-repository.js';
import { freePort } from '../helpers/free-port.js';
import { ROOT, runMain } from '../helpers/run-main.js';
import { startTestGatehouse } from '../helpers/start-gatehouse.js';

const CONFIG_DIR = join(ROOT, 'config');
let workDir: string;
let signingKeys: string;
const cookieKeys = 'k'.repeat(48);
const keysEncryptionKey = randomBytes(32).toString('base64');

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'gatehouse-prod-'));
  signingKeys = JSON.stringify(await generateSigningKeys());
});
afterAll(() => rm(workDir, { recursive: true, force: true }));

function runMainIn(env: Record<string, string>) {
  return runMain({ DATA_DIR: join(workDir, 'data'), PASSWORD_HASH_MEMORY_KIB: '8192', PASSWORD_HASH_PASSES: '1', API_ENABLED: 'false', ...env })
    .then((result) => ({ ...result, stderr: result.stderr + (result.signal ? `killed by ${result.signal}` : '') }));
}

const PRODUCTION = () => ({
  NODE_ENV: 'production', ISSUER: 'https://id.example.com', COOKIE_KEYS: cookieKeys, SIGNING_KEYS: signingKeys, HOST: '127.0.0.1',
  // Needed when the test project runs on Redis (signing keys are stored sealed there).
  KEYS_ENCRYPTION_KEY: keysEncryptionKey,
});

describe('production guard: `npm start` (src/main.ts) refuses unsafe production settings, saying how to fix each', () => {
  it('no keys, an http issuer, the demo seed and open registration: exit 1 and one message listing every fix', async () => {
    const port = await freePort();
    const { code, stderr } = await runMainIn({ NODE_ENV: 'production', PORT: String(port), ISSUER: 'http://id.example.com', SEED_DEMO: 'true', REGISTRATION: 'open' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/COOKIE_KEYS is required in production: generate one with `openssl rand -base64 48`/);
    expect(stderr).toMatch(/SIGNING_KEYS or SIGNING_KEYS_FILE is required in production[^:]*: generate a JWKS with `npm run --silent keys:generate > jwks.json` \(with the Docker image: `docker run --rm IMAGE node dist\/cli\/generate-keys.js > jwks.json`\)/);
    expect(stderr).toMatch(/ISSUER must use https in production \(set ALLOW_HTTP_ISSUER=true only on a private network\)/);
    expect(stderr).toMatch(/SEED_DEMO must not be true in production/);
    expect(stderr).toMatch(/REGISTRATION must not be open in production: .* \(use initial-access-token or closed\)/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('a clients file holding the demo or example client secret: exit 1 naming the client and the fix', async () => {
    const clientsFile = join(workDir, 'clients.json');
    await writeFile(clientsFile, JSON.stringify([
      { client_id: 'copied-demo', client_secret: 'demo-confidential-secret', redirect_uris: ['https://app.example.com/cb'] },
      { client_id: 'copied-example', client_secret: 'replace-with-the-output-of-openssl-rand-base64url-32', redirect_uris: ['https://app.example.com/cb'] },
      { client_id: 'weak', client_secret: 'hunter2hunter2', redirect_uris: ['https://app.example.com/cb'] },
    ]));
    const { code, stderr } = await runMainIn({ ...PRODUCTION(), PORT: String(await freePort()), CLIENTS_FILE: clientsFile });
    expect(code).toBe(1);
    expect(stderr).toMatch(/client "copied-demo" uses a development or example client_secret: set a new one, e.g. the output of `openssl rand -hex 32`/);
    expect(stderr).toMatch(/client "copied-example" uses a development or example client_secret/);
    expect(stderr).toMatch(/client "weak" has a client_secret shorter than 32 characters/);
    expect(stderr).not.toContain('hunter2');
  });

  it('a complete production configuration starts (http issuer only with ALLOW_HTTP_ISSUER) and drains on SIGTERM', async () => {
    const { code, stdout, stderr } = await runMainIn({
      ...PRODUCTION(), PORT: String(await freePort()), ISSUER: 'http://id.internal.example', ALLOW_HTTP_ISSUER: 'true',
    });
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/Gatehouse is up/);
    expect(stdout).not.toMatch(/development signing keys|development cookie keys/);
  });
});

describe('production guard: startGatehouse itself', () => {
  it('registration is never open in production: it needs an initial access token', async () => {
    const port = await freePort();
    const production = await startTestGatehouse({ ...PRODUCTION(), ISSUER: `http://localhost:${port}`, ALLOW_HTTP_ISSUER: 'true', PORT: String(port) });
    try {
      const response = await fetch(`http://localhost:${port}/oauth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: ['https://rp.example/cb'] }),
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: 'invalid_token' });
    } finally {
      await production.close();
    }
  });

  it('refuses a store that still holds the demo account with its public password', async () => {
    const hasher = createPasswordHasher({ memoryKiB: 8192, passes: 1 });
    const accounts = createMemoryAccountRepository();
    await createAccountService({ repository: accounts, hasher }).create({ username: 'demo', password: 'demo' });
    const problems = await productionProblems({ clients: [], accounts, hasher, configDir: CONFIG_DIR });
    expect(problems).toEqual([expect.stringMatching(/the store holds the demo account "demo" with its public password .*: delete it or set a new password/)]);

    const renamed = createMemoryAccountRepository();
    await createAccountService({ repository: renamed, hasher }).create({ username: 'demo', password: 'a-real-password-now' });
    expect(await productionProblems({ clients: [], accounts: renamed, hasher, configDir: CONFIG_DIR })).toEqual([]);
  });

  it('accepts clients with long random secrets and public clients', async () => {
    const problems = await productionProblems({
      clients: [
        { client_id: 'good', client_secret: 'f'.repeat(64), redirect_uris: ['https://a.example/cb'] },
        { client_id: 'spa', token_endpoint_auth_method: 'none', redirect_uris: ['https://a.example/cb'] },
      ],
      accounts: createMemoryAccountRepository(),
      hasher: createPasswordHasher({ memoryKiB: 8192, passes: 1 }),
      configDir: CONFIG_DIR,
    });
    expect(problems).toEqual([]);
  });
});
