import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';
import { createCookieSigner } from '../../src/security/cookie-signer.js';

// Koa's default signer, which signed every cookie issued before ours took over.
const Keygrip = createRequire(import.meta.url)('keygrip') as new (keys: string[]) => { sign(data: string): string };

const OLD_KEY = 'old-cookie-key-0123456789abcdefghijkl';
const NEW_KEY = 'new-cookie-key-ÿ-9876543210zyxwvutsrq';
const COOKIE = '_session=Q5cq8hs1cOSqu7zW3Kk5z; path=/; samesite=lax; httponly';

describe('cookie signatures', () => {
  it('are the same as Keygrip\'s, so sessions signed before an upgrade stay valid', () => {
    for (const key of [OLD_KEY, NEW_KEY]) {
      const keygrip = new Keygrip([key]);
      const signer = createCookieSigner([key]);
      for (const data of [COOKIE, '', '_interaction=é漢字', 'x'.repeat(5000)]) {
        expect(signer.sign(data)).toBe(keygrip.sign(data));
        expect(signer.verify(data, keygrip.sign(data))).toBe(true);
      }
    }
  });

  it('are made with the first key and checked with any (key rotation)', () => {
    const before = createCookieSigner([OLD_KEY]);
    const rotated = createCookieSigner([NEW_KEY, OLD_KEY]);
    expect(rotated.index(COOKIE, before.sign(COOKIE))).toBe(1);
    expect(rotated.index(COOKIE, rotated.sign(COOKIE))).toBe(0);
    expect(rotated.sign(COOKIE)).toBe(createCookieSigner([NEW_KEY]).sign(COOKIE));
    // A retired key's cookies no longer verify.
    expect(createCookieSigner([NEW_KEY]).verify(COOKIE, before.sign(COOKIE))).toBe(false);
  });

  it('refuse another cookie\'s signature, a changed value and malformed digests', () => {
    const signer = createCookieSigner([OLD_KEY]);
    const digest = signer.sign(COOKIE);
    expect(signer.index(`${COOKIE}x`, digest)).toBe(-1);
    expect(signer.index('_session=other', digest)).toBe(-1);
    expect(signer.index(COOKIE, `${digest}=`)).toBe(-1);
    expect(signer.index(COOKIE, digest.slice(0, -1))).toBe(-1);
    expect(signer.index(COOKIE, `${digest.slice(0, -1)}${digest.endsWith('A') ? 'B' : 'A'}`)).toBe(-1);
    expect(signer.index(COOKIE, '')).toBe(-1);
    expect(signer.index(COOKIE, undefined as unknown as string)).toBe(-1);
  });

  it('need at least one key', () => {
    expect(() => createCookieSigner([])).toThrow(/at least one key/);
  });
});
