import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashClientSecret } from '../../src/clients/client-secret.js';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load-config.js';
import { loadStaticConfig } from '../../src/config/static-config.js';

const CONFIG_DIR = fileURLToPath(new URL('../../config', import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-static-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The problems loadStaticConfig reports for these files; fails the test when it accepts them. */
async function problemsOf(files: { clients?: unknown; resources?: unknown }, env: Record<string, string> = {}): Promise<string> {
  const paths: Record<string, string> = {};
  if (files.clients !== undefined) {
    paths['CLIENTS_FILE'] = join(dir, `clients-${Math.random()}.json`);
    await writeFile(paths['CLIENTS_FILE'], JSON.stringify(files.clients));
  }
  if (files.resources !== undefined) {
    paths['RESOURCES_FILE'] = join(dir, `resources-${Math.random()}.json`);
    await writeFile(paths['RESOURCES_FILE'], JSON.stringify(files.resources));
  }
  const config = loadConfig({ SEED_DEMO: 'false', ...paths, ...env });
  const error = await loadStaticConfig(config, CONFIG_DIR).then(() => undefined, (thrown: unknown) => thrown);
  if (error === undefined) throw new Error('expected loadStaticConfig to refuse these files');
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).message;
}

describe('static clients (CLIENTS_FILE)', () => {
  it('each need a client_id: an empty one is refused at boot, like a missing one', async () => {
    const problems = await problemsOf({ clients: [{ client_id: '', redirect_uris: [] }, { redirect_uris: [] }] });
    expect(problems).toMatch(/client #0 has no client_id/);
    expect(problems).toMatch(/client #1 has no client_id/);
  });
});

describe('a static client\'s client_secret given as a $sha256$ digest', () => {
  it('is refused at boot when the digest is malformed (padded base64, as `openssl base64` writes it), not taken as a plain-text secret', async () => {
    const digest = createHash('sha256').update('the real secret').digest();
    const problems = await problemsOf({
      clients: [
        { client_id: 'padded', client_secret: `$sha256$${digest.toString('base64')}`, redirect_uris: [] },
        { client_id: 'short', client_secret: '$sha256$abc', redirect_uris: [] },
      ],
    });
    const rule = 'client_secret starting with $sha256$ must be followed by 43 base64url characters (the SHA-256 of the secret, base64url without padding)';
    expect(problems).toContain(`client "padded": ${rule}`);
    expect(problems).toContain(`client "short": ${rule}`);
  });

  it('is accepted when written as documented: unpadded base64url', async () => {
    const file = join(dir, 'hashed.json');
    await writeFile(file, JSON.stringify([{ client_id: 'hashed', client_secret: hashClientSecret('the real secret'), redirect_uris: [] }]));
    const loaded = await loadStaticConfig(loadConfig({ SEED_DEMO: 'false', CLIENTS_FILE: file }), CONFIG_DIR);
    expect(loaded.clients).toHaveLength(1);
  });
});

describe('static resource servers (RESOURCES_FILE)', () => {
  it('are refused at boot when scopes is not an object of scope → description (an array would register scope "0")', async () => {
    const problems = await problemsOf({ resources: [{ audience: 'https://b.example', scopes: ['x:read'] }] });
    expect(problems).toMatch(/RESOURCES_FILE entry #0: scopes must be an object of scope → description, e.g. \{"api:read": "Read your data"\} \(got an array\)/);
  });

  it('are refused at boot when two name the same audience, or two define the same scope, as the admin CLI refuses them', async () => {
    const problems = await problemsOf({
      resources: [
        { audience: 'https://a.example', scopes: { r: 'read' } },
        { audience: 'https://a.example', scopes: { w: 'write' } },
        { audience: 'https://c.example', scopes: { r: 'read too', c: 'c' } },
      ],
    });
    expect(problems).toMatch(/RESOURCES_FILE entry #1: a resource server with audience https:\/\/a.example already exists/);
    expect(problems).toMatch(/RESOURCES_FILE entry #2: r already belongs to https:\/\/a.example; scopes must be unique across resource servers/);
  });

  it('are registered in the form API_AUDIENCE takes: lower-case scheme and host, no default port, no trailing slash', async () => {
    const file = join(dir, 'spelled.json');
    await writeFile(file, JSON.stringify([
      { audience: 'HTTPS://Billing.Example.com:443/', scopes: { 'billing:read': 'read' } },
      { audience: 'https://api.example.com/v1/', scopes: { 'v1:read': 'read' } },
      { audience: 'urn:example:reports', scopes: { 'reports:read': 'read' } },
      // With a query, the slash before it stays: URL writers put it there, and `resource` must match exactly.
      { audience: 'HTTPS://Search.Example.com:443/?index=1', scopes: { 'search:read': 'read' } },
    ]));
    const loaded = await loadStaticConfig(loadConfig({ SEED_DEMO: 'false', RESOURCES_FILE: file }), CONFIG_DIR);
    expect(loaded.resourceServers.map((server) => server.audience))
      .toEqual(['https://billing.example.com', 'https://api.example.com/v1', 'urn:example:reports', 'https://search.example.com/?index=1']);
  });

  it('are refused at boot when two name the same audience written differently, or an audience carries credentials', async () => {
    const problems = await problemsOf({
      resources: [
        { audience: 'http://127.0.0.1:4311', scopes: { a: 'a' } },
        { audience: 'http://127.0.0.1:4311/', scopes: { b: 'b' } },
        { audience: 'https://B6.Example.com/', scopes: { c: 'c' } },
        { audience: 'https://b6.example.com', scopes: { d: 'd' } },
        { audience: 'https://user:secret@e.example.com', scopes: { e: 'e' } },
      ],
    });
    expect(problems).toMatch(/RESOURCES_FILE entry #1: a resource server with audience http:\/\/127.0.0.1:4311 already exists/);
    expect(problems).toMatch(/RESOURCES_FILE entry #3: a resource server with audience https:\/\/b6.example.com already exists/);
    expect(problems).toMatch(/RESOURCES_FILE entry #4: audience must not contain credentials/);
  });

  it('may not take a scope of the development seed\'s demo API, which the seed registers next to them', async () => {
    const problems = await problemsOf({ resources: [{ audience: 'https://orders.example', scopes: { 'api:read': 'read' } }] }, { SEED_DEMO: 'true', API_AUDIENCE: 'http://localhost:4601' });
    expect(problems).toMatch(/the development seed's demo API \(http:\/\/localhost:4601\): api:read already belongs to https:\/\/orders.example; scopes must be unique across resource servers \(set SEED_DEMO=false, or name the scope differently\)/);
  });
});
