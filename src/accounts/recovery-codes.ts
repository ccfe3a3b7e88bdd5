import { createHash, randomInt, timingSafeEqual } from 'node:crypto';

/** Lower-case letters and digits without look-alikes (0/o, 1/l/i). */
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const COUNT = 10;
const LENGTH = 10;

/**
 * One-time recovery codes for a lost authenticator: ten codes of ten characters (about 49 bits
 * each), shown once as "xxxxx-xxxxx". Only their SHA-256 hashes are stored: with that much
 * entropy a fast hash is enough, unlike passwords.
 */
export function generateRecoveryCodes(): { codes: string[]; hashes: string[] } {
  const codes = Array.from({ length: COUNT }, () => {
    const raw = Array.from({ length: LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    return `${raw.slice(0, 5)}-${raw.slice(5)}`;
  });
  return { codes, hashes: codes.map(hashRecoveryCode) };
}

export function hashRecoveryCode(code: string): string {
  return createHash('sha256').update(normalize(code)).digest('base64url');
}

/** The index of the stored hash that `typed` matches, or -1. Case, spaces and dashes do not matter. */
export function findRecoveryCode(typed: string, hashes: readonly string[]): number {
  const normalized = normalize(typed);
  if (normalized.length !== LENGTH) return -1;
  const candidate = Buffer.from(hashRecoveryCode(normalized));
  let found = -1;
  hashes.forEach((hash, index) => {
    const stored = Buffer.from(hash);
    if (stored.length === candidate.length && timingSafeEqual(stored, candidate) && found === -1) found = index;
  });
  return found;
}

function normalize(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}
