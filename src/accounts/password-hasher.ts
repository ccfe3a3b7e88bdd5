import { randomBytes, timingSafeEqual } from 'node:crypto';
import { hashRaw, type Options } from '@node-rs/argon2';

export interface PasswordHashParams {
  /** Memory in KiB (OWASP minimum for argon2id: 19 MiB with 2 passes). */
  readonly memoryKiB: number;
  readonly passes: number;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Constant-time comparison; false for a malformed stored hash. */
  verify(password: string, stored: string): Promise<boolean>;
  /** Spends the same time as a real verification, for unknown accounts (no user enumeration by timing). */
  verifyDummy(password: string): Promise<false>;
}

const PHC = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;
const TAG_LENGTH = 32;
// Algorithm.Argon2id and Version.V0x13, spelled out: the package declares them as const enums,
// which verbatimModuleSyntax cannot import.
const ARGON2ID = 2 as Options['algorithm'] & number;
const VERSION_0X13 = 1 as Options['version'] & number;

/**
 * The argon2id (RFC 9106, version 0x13) tag of a password, computed off the main thread.
 * @node-rs/argon2 rather than node:crypto's argon2: the same tags (a test compares them), at
 * about half the CPU time per hash on our x86-64 machines (OpenSSL's implementation is the
 * portable reference code), and the hash is most of a sign-in's cost.
 */
export function deriveArgon2id(password: string, salt: Buffer, memoryKiB: number, passes: number, parallelism = 1): Promise<Buffer> {
  return hashRaw(password, { algorithm: ARGON2ID, version: VERSION_0X13, memoryCost: memoryKiB, timeCost: passes, parallelism, outputLen: TAG_LENGTH, salt });
}

/**
 * Argon2id password hashes, stored as PHC strings so that parameters can be raised later
 * without invalidating existing hashes.
 */
export function createPasswordHasher(params: PasswordHashParams): PasswordHasher {
  let dummy: Promise<string> | undefined;

  const hasher: PasswordHasher = {
    async hash(password) {
      const salt = randomBytes(16);
      const tag = await deriveArgon2id(password, salt, params.memoryKiB, params.passes, 1);
      return `$argon2id$v=19$m=${params.memoryKiB},t=${params.passes},p=1$${b64(salt)}$${b64(tag)}`;
    },
    async verify(password, stored) {
      const match = PHC.exec(stored);
      if (!match) return false;
      const [, m, t, p, salt, expected] = match as unknown as [string, string, string, string, string, string];
      const expectedTag = Buffer.from(expected, 'base64');
      // Parameters the hash function refuses (a hand-edited record) are a malformed hash too.
      const tag = await deriveArgon2id(password, Buffer.from(salt, 'base64'), Number(m), Number(t), Number(p)).catch(() => undefined);
      if (!tag) return false;
      return tag.length === expectedTag.length && timingSafeEqual(tag, expectedTag);
    },
    async verifyDummy(password) {
      dummy ??= hasher.hash(randomBytes(16).toString('hex'));
      await hasher.verify(password, await dummy);
      return false;
    },
  };
  return hasher;
}

function b64(buffer: Buffer): string {
  return buffer.toString('base64').replace(/=+$/, '');
}
