import { describe, expect, it } from '@jest/globals';
import { base32Decode, base32Encode, generateTotpSecret, hotp, matchTotp, otpauthUri, totpAt } from '../../src/accounts/totp.js';
import { findRecoveryCode, generateRecoveryCodes } from '../../src/accounts/recovery-codes.js';

// RFC 6238 Appendix B, SHA-1 rows: the seed is the ASCII string "12345678901234567890".
const RFC_SECRET = base32Encode(Buffer.from('12345678901234567890'));
const RFC_VECTORS: [number, string][] = [
  [59, '94287082'], [1111111109, '07081804'], [1111111111, '14050471'],
  [1234567890, '89005924'], [2000000000, '69279037'], [20000000000, '65353130'],
];

describe('TOTP (RFC 6238)', () => {
  it('computes the RFC 6238 test vectors (8 digits) and their 6-digit codes', () => {
    for (const [seconds, code] of RFC_VECTORS) {
      expect(totpAt(RFC_SECRET, seconds * 1000, 8)).toBe(code);
      expect(totpAt(RFC_SECRET, seconds * 1000)).toBe(code.slice(-6));
    }
  });

  it('computes the RFC 4226 Appendix D HOTP values', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    expected.forEach((code, counter) => expect(hotp(Buffer.from('12345678901234567890'), counter)).toBe(code));
  });

  it('encodes base32 as RFC 4648 §10 does (without padding) and decodes it back', () => {
    expect(base32Encode(Buffer.from('foobar'))).toBe('MZXW6YTBOI');
    expect(base32Encode(Buffer.from('f'))).toBe('MY');
    expect(base32Decode('mzxw 6ytb-oi').toString()).toBe('foobar');
    const secret = generateTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Decode(secret)).toHaveLength(20);
  });

  it('accepts the code of the current step and one step either side, and nothing further', () => {
    const now = 1_700_000_000_000;
    const secret = generateTotpSecret();
    for (const offset of [-30_000, 0, 30_000]) expect(matchTotp(secret, totpAt(secret, now + offset), now)).toBeDefined();
    for (const offset of [-60_000, 60_000]) expect(matchTotp(secret, totpAt(secret, now + offset), now)).toBeUndefined();
  });

  it('never accepts a code of a step already used, nor an older one', () => {
    const now = 1_700_000_000_000;
    const secret = generateTotpSecret();
    const step = matchTotp(secret, totpAt(secret, now), now)!;
    expect(matchTotp(secret, totpAt(secret, now), now, step)).toBeUndefined();
    expect(matchTotp(secret, totpAt(secret, now - 30_000), now, step)).toBeUndefined();
    expect(matchTotp(secret, totpAt(secret, now + 30_000), now, step)).toBe(step + 1);
  });

  it('ignores spaces in a typed code and refuses anything but six digits', () => {
    const now = 1_700_000_000_000;
    const secret = generateTotpSecret();
    const code = totpAt(secret, now);
    expect(matchTotp(secret, `${code.slice(0, 3)} ${code.slice(3)}`, now)).toBeDefined();
    for (const typed of ['', '12345', '1234567', 'abcdef', `${code}0`]) expect(matchTotp(secret, typed, now)).toBeUndefined();
  });

  it('builds the otpauth URI authenticator apps scan', () => {
    expect(otpauthUri({ issuer: 'Gatehouse', accountName: 'demo user', secret: 'ABC' }))
      .toBe('otpauth://totp/Gatehouse:demo%20user?secret=ABC&issuer=Gatehouse&algorithm=SHA1&digits=6&period=30');
  });
});

describe('recovery codes', () => {
  it('are ten distinct xxxxx-xxxxx codes, stored as hashes that do not contain them', () => {
    const { codes, hashes } = generateRecoveryCodes();
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    for (const [index, hash] of hashes.entries()) expect(hash).not.toContain(codes[index]!.replace('-', ''));
  });

  it('are found however they are typed, and only among the stored hashes', () => {
    const { codes, hashes } = generateRecoveryCodes();
    expect(findRecoveryCode(codes[3]!.toUpperCase().replace('-', ' '), hashes)).toBe(3);
    expect(findRecoveryCode(codes[3]!, hashes.filter((_, i) => i !== 3))).toBe(-1);
    expect(findRecoveryCode('aaaaa-aaaaa', hashes)).toBe(-1);
  });
});
