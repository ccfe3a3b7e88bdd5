import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/load-config.js';
import { ConfigError } from '../config/config-error.js';
import { parseEncryptionKeys } from './key-encryption.js';
import { checkSigningKeys, generateSigningKeys, type PrivateJwks } from './signing-keys.js';

export interface Secrets {
  /**
   * The configured JWKS: it seeds the store's key set when the store has none (see
   * key-set-bootstrap.ts). Undefined in production with Redis and no SIGNING_KEYS: fresh keys are
   * generated into the store instead.
   */
  readonly signingKeys: PrivateJwks | undefined;
  readonly cookieKeys: string[];
  /** AES-256 keys sealing private signing keys in the store; the first seals. */
  readonly keysEncryptionKeys: Buffer[];
  /** Which secrets were generated for development (never in production). */
  readonly generated: readonly ('signing keys' | 'cookie keys' | 'keys encryption key')[];
}

/**
 * Signing and cookie keys from configuration. Outside production, missing ones are generated
 * once and kept in DATA_DIR (git-ignored), so a restart does not invalidate sessions or tokens.
 * Production never gets here without them: loadConfig refuses to start.
 */
export async function loadSecrets(config: Config): Promise<Secrets> {
  const generated: Secrets['generated'][number][] = [];

  let signingKeys: unknown;
  if (config.signingKeys) signingKeys = parseJson('SIGNING_KEYS', config.signingKeys);
  else if (config.signingKeysFile) signingKeys = parseJson('SIGNING_KEYS_FILE', await readText(config.signingKeysFile, 'SIGNING_KEYS_FILE'));
  else if (config.env !== 'production') {
    signingKeys = await readOrCreate(join(config.dataDir, 'signing-keys.json'), async () => generateSigningKeys());
    generated.push('signing keys');
  }
  const problems = signingKeys === undefined ? [] : await checkSigningKeys(signingKeys);
  if (problems.length > 0) throw new ConfigError(problems);

  let cookieKeys = config.cookieKeys ? [...config.cookieKeys] : undefined;
  if (!cookieKeys) {
    cookieKeys = await readOrCreate(join(config.dataDir, 'cookie-keys.json'), async () => [randomBytes(32).toString('base64url')]);
    generated.push('cookie keys');
  }

  return { signingKeys: signingKeys as PrivateJwks | undefined, cookieKeys, keysEncryptionKeys: await loadKeysEncryptionKeys(config, generated), generated };
}

/**
 * KEYS_ENCRYPTION_KEY, or outside production a development key kept in DATA_DIR (the CLI finds
 * the same one when it runs with the same DATA_DIR). loadConfig has checked the configured value.
 */
export async function loadKeysEncryptionKeys(config: Config, generated: Secrets['generated'][number][] = []): Promise<Buffer[]> {
  if (config.keysEncryptionKeys) return parseEncryptionKeys(config.keysEncryptionKeys.join(',')).keys;
  if (config.env === 'production') {
    // Nothing is at rest without Redis (loadConfig requires the key with it): an ephemeral key will do.
    return [randomBytes(32)];
  }
  const path = join(config.dataDir, 'keys-encryption-key.json');
  const [key] = await readOrCreate(path, async () => [randomBytes(32).toString('base64')]);
  const parsed = parseEncryptionKeys(String(key));
  if (parsed.problems.length > 0) throw new ConfigError([`${path} does not hold a keys encryption key; delete it to generate a new one`]);
  generated.push('keys encryption key');
  return parsed.keys;
}

async function readOrCreate<T>(path: string, create: () => Promise<T>): Promise<T> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ConfigError([`${path} is unreadable or not JSON; delete it to generate new development keys`]);
    }
  }
  const value = await create();
  await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
  // wx: two processes starting at once must not overwrite each other's keys.
  try {
    await writeFile(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    return value;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return JSON.parse(await readFile(path, 'utf8')) as T;
    throw error;
  }
}

async function readText(path: string, name: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new ConfigError([`${name}: cannot read ${path}`]);
  }
}

function parseJson(name: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ConfigError([`${name} is not valid JSON (expected a JWKS: {"keys": [...]})`]);
  }
}
