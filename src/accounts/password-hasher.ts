import { argon2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const argon2Async = promisify(argon2);

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

/**
 * Argon2id (RFC 9106) from node:crypto, stored as a PHC string so that parameters can be
 * raised later without invalidating existing hashes.
 */
export function createPasswordHasher(params: PasswordHashParams): PasswordHasher {
  const derive = (password: string, salt: Buffer, memory: number, passes: number, parallelism: number) =>
    argon2Async('argon2id', { message: password, nonce: salt, memory, passes, parallelism, tagLength: TAG_LENGTH });

  let dummy: Promise<string> | undefined;

  const hasher: PasswordHasher = {
    async hash(password) {
      const salt = randomBytes(16);
      const tag = await derive(password, salt, params.memoryKiB, params.passes, 1);
      return `$argon2id$v=19$m=${params.memoryKiB},t=${params.passes},p=1$${b64(salt)}$${b64(tag)}`;
    },
    async verify(password, stored) {
      const match = PHC.exec(stored);
      if (!match) return false;
      const [, m, t, p, salt, expected] = match as unknown as [string, string, string, string, string, string];
      const expectedTag = Buffer.from(expected, 'base64');
      const tag = await derive(password, Buffer.from(salt, 'base64'), Number(m), Number(t), Number(p));
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
