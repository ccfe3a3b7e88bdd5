import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load-config.js';
import { findKeysEncryptionKeys, loadSecrets } from '../../src/keys/load-secrets.js';
import { generateSigningKeys } from '../../src/keys/signing-keys.js';

async function withDir(run: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-secrets-'));
  try {
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('signing and cookie keys', () => {
  it('are generated once in development and reused after a restart, readable only by us', () => withDir(async (dir) => {
    const config = loadConfig({ DATA_DIR: dir });
    const first = await loadSecrets(config);
    const second = await loadSecrets(config);
    expect(first.generated).toEqual(['signing keys', 'cookie keys', 'keys encryption key']);
    expect(second.signingKeys).toEqual(first.signingKeys);
    expect(second.cookieKeys).toEqual(first.cookieKeys);
    expect(first.signingKeys?.keys.map((key) => key.alg).sort()).toEqual(['ES256', 'RS256']);
    expect((await stat(join(dir, 'signing-keys.json'))).mode & 0o077).toBe(0);
  }));

  it('come from SIGNING_KEYS_FILE, COOKIE_KEYS and KEYS_ENCRYPTION_KEY when given, and nothing is generated', () => withDir(async (dir) => {
    const file = join(dir, 'jwks.json');
    const jwks = await generateSigningKeys();
    await writeFile(file, JSON.stringify(jwks));
    const encryptionKey = randomBytes(32);
    const secrets = await loadSecrets(loadConfig({
      DATA_DIR: join(dir, 'unused'), SIGNING_KEYS_FILE: file, COOKIE_KEYS: 'k'.repeat(40), KEYS_ENCRYPTION_KEY: encryptionKey.toString('base64'),
    }));
    expect(secrets.generated).toEqual([]);
    expect(secrets.keysEncryptionKeys).toEqual([encryptionKey]);
    expect(secrets.signingKeys).toEqual(jwks);
    await expect(readFile(join(dir, 'unused', 'signing-keys.json'))).rejects.toThrow();
  }));

  it('refuse public-only keys or a JWKS without an RSA key, saying what is missing', () => withDir(async (dir) => {
    const { keys } = await generateSigningKeys();
    const publicOnly = keys.map(({ d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...rest }) => rest);
    const error = await loadSecrets(loadConfig({ DATA_DIR: dir, SIGNING_KEYS: JSON.stringify({ keys: publicOnly }) })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/has no private part/);

    const ecOnly = { keys: keys.filter((key) => key.kty === 'EC') };
    const error2 = await loadSecrets(loadConfig({ DATA_DIR: dir, SIGNING_KEYS: JSON.stringify(ecOnly) })).catch((e: unknown) => e);
    expect((error2 as ConfigError).message).toMatch(/need an RSA key/);
  }));

  it('refuse key material that cannot sign, naming the key, rather than failing every token request', () => withDir(async (dir) => {
    const { keys } = await generateSigningKeys();
    const [rsa, ec] = [keys.find((key) => key.kty === 'RSA')!, keys.find((key) => key.kty === 'EC')!];
    const file = join(dir, 'jwks.json');
    await writeFile(file, JSON.stringify({ keys: [rsa, { ...ec, d: 'AAAA' }] }));
    const error = await loadSecrets(loadConfig({ DATA_DIR: dir, SIGNING_KEYS_FILE: file })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(`signing key #2 (kid ${ec.kid}) is not a valid EC P-256 private key`);
    expect((error as ConfigError).message).toContain('generate a JWKS with `npm run --silent keys:generate > jwks.json`');

    // A private part that does not belong to the public one signs tokens nobody can verify.
    const other = (await generateSigningKeys()).keys.find((key) => key.kty === 'EC')!;
    const cases = [{ ...rsa, n: 'AAAA' }, { ...rsa, e: 'AAAA' }, { ...ec, d: other.d }];
    for (const broken of cases) {
      const jwks = { keys: broken.kty === 'RSA' ? [broken, ec] : [rsa, broken] };
      const refused = await loadSecrets(loadConfig({ DATA_DIR: dir, SIGNING_KEYS: JSON.stringify(jwks) })).catch((e: unknown) => e);
      expect((refused as ConfigError).message).toMatch(/signing key #\d \(kid .+\) is not a valid (RSA|EC P-256) private key/);
    }
  }));

  describe('kept in DATA_DIR but malformed (hand-edited, truncated): refused with the file and the fix, never a stack trace', () => {
    const refusal = async (dir: string) => {
      const error = await loadSecrets(loadConfig({ DATA_DIR: dir })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).message;
    };

    it.each(['{}', '"abc"', '[]', '[1]', 'null', '["short"]'])('cookie-keys.json holding %s', (content) => withDir(async (dir) => {
      await writeFile(join(dir, 'cookie-keys.json'), content);
      const message = await refusal(dir);
      expect(message).toContain(`${join(dir, 'cookie-keys.json')} must hold a JSON array of cookie keys`);
      expect(message).toMatch(/delete it to generate new development keys/);
    }));

    it.each(['{}', 'null', '"abc"', '[]', '[1]', '["too-short"]'])('keys-encryption-key.json holding %s', (content) => withDir(async (dir) => {
      await writeFile(join(dir, 'keys-encryption-key.json'), content);
      const message = await refusal(dir);
      expect(message).toContain(`${join(dir, 'keys-encryption-key.json')} must hold a JSON array with a keys encryption key`);
    }));

    it.each(['{}', '[]', 'null'])('signing-keys.json holding %s', (content) => withDir(async (dir) => {
      await writeFile(join(dir, 'signing-keys.json'), content);
      const message = await refusal(dir);
      expect(message).toContain(`${join(dir, 'signing-keys.json')}: signing keys must be a JWKS`);
      expect(message).toMatch(/delete it to generate new development keys/);
    }));

    it('a DATA_DIR that cannot be written says so, and how to fix it', () => withDir(async (dir) => {
      // A file where the directory should be: mkdir fails as it does in a read-only or foreign directory.
      await writeFile(join(dir, 'not-a-dir'), '');
      const message = await refusal(join(dir, 'not-a-dir', 'data'));
      expect(message).toMatch(/cannot write .*signing-keys\.json \(ENOTDIR\)/);
      expect(message).toMatch(/point DATA_DIR at a directory this process can write/);
    }));
  });

  describe('for the admin CLI, which works on a store the servers already use', () => {
    it('uses KEYS_ENCRYPTION_KEY, or the development key a server generated in DATA_DIR', () => withDir(async (dir) => {
      const given = randomBytes(32);
      expect(await findKeysEncryptionKeys(loadConfig({ DATA_DIR: dir, KEYS_ENCRYPTION_KEY: given.toString('base64') }))).toEqual([given]);
      const server = await loadSecrets(loadConfig({ DATA_DIR: dir, REDIS_URL: 'redis://redis:6379' }));
      expect(await findKeysEncryptionKeys(loadConfig({ DATA_DIR: dir, REDIS_URL: 'redis://redis:6379' }))).toEqual(server.keysEncryptionKeys);
    }));

    it('never generates one: without either it names KEYS_ENCRYPTION_KEY and writes nothing', () => withDir(async (dir) => {
      const dataDir = join(dir, 'data');
      const error = await findKeysEncryptionKeys(loadConfig({ DATA_DIR: dataDir, REDIS_URL: 'redis://redis:6379' })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toContain(`KEYS_ENCRYPTION_KEY is not set, and there is no development key at ${join(dataDir, 'keys-encryption-key.json')}`);
      await expect(stat(dataDir)).rejects.toThrow(/ENOENT/);
    }));
  });
});
