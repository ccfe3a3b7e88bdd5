import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

/** What Koa's cookies need to sign and check cookies (Keygrip's interface). */
export interface CookieSigner {
  sign(data: string): string;
  verify(data: string, digest: string): boolean;
  /** The index of the key that made `digest`, or -1. */
  index(data: string, digest: string): number;
}

/**
 * Cookie keys as COOKIE_KEYS and the development file in DATA_DIR must give them: at least one,
 * each a random string of at least 32 characters.
 */
export function areCookieKeys(value: unknown): value is string[] {
  return Array.isArray(value) && value.length > 0 && value.every((key) => typeof key === 'string' && key.length >= 32);
}

/**
 * Cookie signatures exactly as Keygrip (Koa's default) makes them, so cookies signed before
 * still verify: HMAC-SHA1 of the cookie under the first key, base64url without padding; any of
 * the keys verifies (COOKIE_KEYS rotation).
 *
 * Made once per app rather than a Keygrip per request, with keys prepared once, and a
 * signature compared with timingSafeEqual instead of two more HMACs (tsscmp): checking signed
 * cookies (oidc-provider's interaction and session cookies) was about a tenth of the
 * authorization flow's CPU profile.
 */
export function createCookieSigner(keys: readonly string[]): CookieSigner {
  if (keys.length === 0) throw new Error('createCookieSigner needs at least one key');
  const prepared: KeyObject[] = keys.map((key) => createSecretKey(Buffer.from(key, 'utf8')));
  const mac = (data: string, key: KeyObject) => createHmac('sha1', key).update(data).digest('base64url');
  const index = (data: string, digest: string) => {
    if (typeof digest !== 'string') return -1;
    const presented = Buffer.from(digest);
    for (const [i, key] of prepared.entries()) {
      const expected = Buffer.from(mac(data, key));
      if (presented.length === expected.length && timingSafeEqual(presented, expected)) return i;
    }
    return -1;
  };
  return {
    sign: (data) => mac(data, prepared[0]!),
    verify: (data, digest) => index(data, digest) > -1,
    index,
  };
}
