import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Config } from '../config/load-config.js';
import { ConfigError } from '../config/config-error.js';
import { areCookieKeys } from '../security/cookie-signer.js';
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
  if (config.signingKeys || config.signingKeysFile) {
    signingKeys = config.signingKeys
      ? parseJson('SIGNING_KEYS', config.signingKeys)
      : parseJson('SIGNING_KEYS_FILE', await readText(config.signingKeysFile!, 'SIGNING_KEYS_FILE'));
    const problems = await checkSigningKeys(signingKeys);
    if (problems.length > 0) throw new ConfigError(problems);
  } else if (config.env !== 'production') {
    signingKeys = await readOrCreate(join(config.dataDir, 'signing-keys.json'), async () => generateSigningKeys(), checkSigningKeys);
    generated.push('signing keys');
  }

  let cookieKeys = config.cookieKeys ? [...config.cookieKeys] : undefined;
  if (!cookieKeys) {
    cookieKeys = await readOrCreate(join(config.dataDir, 'cookie-keys.json'), async () => [randomBytes(32).toString('base64url')], (value) =>
      (areCookieKeys(value) ? [] : ['must hold a JSON array of cookie keys (strings of at least 32 characters)']));
    generated.push('cookie keys');
  }

  return { signingKeys: signingKeys as PrivateJwks | undefined, cookieKeys, keysEncryptionKeys: await loadKeysEncryptionKeys(config, generated), generated };
}

/**
 * KEYS_ENCRYPTION_KEY, or outside production a development key kept in DATA_DIR (the CLI finds
 * the same one when it runs with the same DATA_DIR: findKeysEncryptionKeys). loadConfig has
 * checked the configured value.
 */
export async function loadKeysEncryptionKeys(config: Config, generated: Secrets['generated'][number][] = []): Promise<Buffer[]> {
  if (config.keysEncryptionKeys) return parseEncryptionKeys(config.keysEncryptionKeys.join(',')).keys;
  if (config.env === 'production') {
    // Nothing is at rest without Redis (loadConfig requires the key with it): an ephemeral key will do.
    return [randomBytes(32)];
  }
  const [key] = await readOrCreate(developmentKeyPath(config), async () => [randomBytes(32).toString('base64')], checkDevelopmentKey);
  generated.push('keys encryption key');
  return parseEncryptionKeys(key!).keys;
}

/**
 * The admin CLI's keys encryption keys: KEYS_ENCRYPTION_KEY, or outside production the
 * development key the servers keep in DATA_DIR. Unlike a server it never generates one: a new key
 * opens nothing the servers sealed, and would be left in a directory no server reads.
 */
export async function findKeysEncryptionKeys(config: Config): Promise<Buffer[]> {
  if (config.keysEncryptionKeys) return parseEncryptionKeys(config.keysEncryptionKeys.join(',')).keys;
  const path = developmentKeyPath(config);
  const existing = config.env === 'production' ? { found: false as const } : await readDevelopmentFile<string[]>(path, checkDevelopmentKey);
  if (!existing.found) {
    throw new ConfigError([`KEYS_ENCRYPTION_KEY is not set${config.env === 'production' ? '' : `, and there is no development key at ${path}`}: `
      + 'run this with the servers\' KEYS_ENCRYPTION_KEY (in development, with their DATA_DIR)']);
  }
  return parseEncryptionKeys(existing.value[0]!).keys;
}

const developmentKeyPath = (config: Config) => join(config.dataDir, 'keys-encryption-key.json');

function checkDevelopmentKey(value: unknown): string[] {
  return Array.isArray(value) && typeof value[0] === 'string' && parseEncryptionKeys(value[0]).problems.length === 0
    ? [] : ['must hold a JSON array with a keys encryption key (32 random bytes in base64)'];
}

/**
 * A development secret kept in DATA_DIR: read, or created on first start. `check` lists what is
 * wrong with what the file holds (hand-edited, truncated): each problem names the file and says
 * how to get a fresh one, rather than a TypeError from deep inside the boot.
 */
async function readOrCreate<T>(path: string, create: () => Promise<T>, check: (value: unknown) => string[] | Promise<string[]>): Promise<T> {
  const existing = await readDevelopmentFile<T>(path, check);
  if (existing.found) return existing.value;
  const value = await create();
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    // wx: two processes starting at once must not overwrite each other's keys.
    await writeFile(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    return value;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      const written = await readDevelopmentFile<T>(path, check);
      if (written.found) return written.value;
    }
    throw new ConfigError([`cannot write ${path} (${code ?? (error as Error).message}): development keys are kept in DATA_DIR; `
      + 'point DATA_DIR at a directory this process can write, or give the keys in the environment']);
  }
}

async function readDevelopmentFile<T>(path: string, check: (value: unknown) => string[] | Promise<string[]>): Promise<{ found: true; value: T } | { found: false }> {
  const fix = 'delete it to generate new development keys';
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ENOTDIR: DATA_DIR is not a directory; creating the file says so.
    if (code === 'ENOENT' || code === 'ENOTDIR') return { found: false };
    throw new ConfigError([`${path} is unreadable (${code ?? (error as Error).message}); ${fix}, or point DATA_DIR elsewhere`]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError([`${path} is not JSON; ${fix}`]);
  }
  const problems = await check(value);
  if (problems.length > 0) throw new ConfigError(problems.map((problem) => `${path}${problem.startsWith('must') ? ' ' : ': '}${problem}; ${fix}`));
  return { found: true, value: value as T };
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
