import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Client secrets the admin CLI issues: 256 random bits, shown once, stored only as a SHA-256
 * digest (RFC 6819 §5.1.4.1.3). A fast hash is enough here: unlike a password, a 256-bit random
 * secret cannot be guessed from its digest, so a slow KDF would only slow every token request.
 */
const PREFIX = '$sha256$';
const DIGEST = /^\$sha256\$[A-Za-z0-9_-]{43}$/;

export function generateClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function hashClientSecret(secret: string): string {
  return `${PREFIX}${digest(secret).toString('base64url')}`;
}

export function isHashedClientSecret(stored: unknown): stored is string {
  return typeof stored === 'string' && DIGEST.test(stored);
}

/**
 * Why a client_secret that starts like a digest is not one, or undefined (also for a secret in
 * plain text). Taken as plain text, a mistyped digest (padded base64, as `openssl base64` writes
 * it) would refuse the real secret and accept the digest string itself.
 */
export function malformedHashedClientSecret(stored: unknown): string | undefined {
  if (typeof stored !== 'string' || !stored.startsWith(PREFIX) || DIGEST.test(stored)) return undefined;
  return `client_secret starting with ${PREFIX} must be followed by 43 base64url characters (the SHA-256 of the secret, base64url without padding)`;
}

/** Constant-time: compares fixed-length digests, whatever the length of what was presented. */
export function verifyHashedClientSecret(stored: string, presented: unknown): boolean {
  if (!isHashedClientSecret(stored) || typeof presented !== 'string') return false;
  return timingSafeEqual(Buffer.from(stored.slice(PREFIX.length), 'base64url'), digest(presented));
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
