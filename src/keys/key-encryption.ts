import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Seals secrets before they reach the store (AES-256-GCM, node:crypto): private signing keys,
 * and the TOTP secrets of authenticator apps.
 *
 * Format: `v1.<key id>.<iv>.<ciphertext><tag>`, base64url parts. The key id (a hash prefix of the
 * encryption key) picks the decrypting key, so KEYS_ENCRYPTION_KEY can list a new key first and
 * old ones after it while sealed records are rewritten. The additional data binds a ciphertext to
 * its record (the key's kid): a sealed key copied onto another record does not open.
 */
export interface KeySealer {
  seal(plaintext: string, additionalData: string): string;
  /** True when `sealed` was sealed by the current (first) key: false means it is due a re-seal. */
  sealedWithCurrentKey(sealed: string): boolean;
  /** Throws KeyDecryptionError when no configured key opens it, or it was tampered with. */
  open(sealed: string, additionalData: string): string;
}

export class KeyDecryptionError extends Error {
  readonly code = 'ERR_KEY_DECRYPTION';
  constructor(message: string) {
    super(message);
    this.name = 'KeyDecryptionError';
  }
}

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** `keys`: 32-byte AES keys; the first seals, every one opens. */
export function createKeySealer(keys: readonly Buffer[]): KeySealer {
  if (keys.length === 0 || keys.some((key) => key.length !== 32)) {
    throw new TypeError('key encryption needs one or more 32-byte keys');
  }
  const byId = new Map(keys.map((key) => [keyId(key), key]));
  const [sealingKey] = keys as [Buffer];
  const sealingId = keyId(sealingKey);

  return {
    seal(plaintext, additionalData) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', sealingKey, iv);
      cipher.setAAD(Buffer.from(additionalData, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return [VERSION, sealingId, iv.toString('base64url'), body.toString('base64url')].join('.');
    },
    sealedWithCurrentKey: (sealed) => sealed.startsWith(`${VERSION}.${sealingId}.`),
    open(sealed, additionalData) {
      const [version, id, iv, body, ...rest] = sealed.split('.');
      if (version !== VERSION || !id || !iv || !body || rest.length > 0) throw new KeyDecryptionError('not a sealed key');
      const key = byId.get(id);
      if (!key) {
        throw new KeyDecryptionError(`sealed with an encryption key that KEYS_ENCRYPTION_KEY does not list (key id ${id})`);
      }
      const bytes = Buffer.from(body, 'base64url');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(additionalData, 'utf8'));
        decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
        return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        throw new KeyDecryptionError('a sealed key failed authentication (wrong key or altered record)');
      }
    },
  };
}

/** A short public name for an encryption key: which one sealed a record, without revealing it. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 8);
}

/**
 * KEYS_ENCRYPTION_KEY: comma-separated keys, each 32 random bytes in base64 or base64url
 * (`openssl rand -base64 32`). Returns the problems, worded for the operator, or the keys.
 */
export function parseEncryptionKeys(raw: string): { keys: Buffer[]; problems: string[] } {
  const parts = raw.split(',').map((part) => part.trim()).filter(Boolean);
  const keys: Buffer[] = [];
  const problems: string[] = [];
  parts.forEach((part, index) => {
    const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(part) ? Buffer.from(part, 'base64') : Buffer.alloc(0);
    if (key.length !== 32) {
      problems.push(`KEYS_ENCRYPTION_KEY entry #${index + 1} must be 32 random bytes in base64 (generate one with \`openssl rand -base64 32\`)`);
    } else {
      keys.push(key);
    }
  });
  if (parts.length === 0) problems.push('KEYS_ENCRYPTION_KEY is empty');
  return { keys, problems };
}
