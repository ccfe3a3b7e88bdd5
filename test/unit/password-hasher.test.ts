import { describe, expect, it } from '@jest/globals';
import { argon2Sync, randomBytes } from 'node:crypto';
import { createPasswordHasher } from '../../src/accounts/password-hasher.js';

const hasher = createPasswordHasher({ memoryKiB: 8192, passes: 1 });

describe('argon2id password hashing', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hasher.hash('correct horse battery staple');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=8192,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    await expect(hasher.verify('correct horse battery staple', stored)).resolves.toBe(true);
    await expect(hasher.verify('correct horse battery stapl', stored)).resolves.toBe(false);
  });

  it('salts every hash, so equal passwords do not produce equal hashes', async () => {
    expect(await hasher.hash('same')).not.toBe(await hasher.hash('same'));
  });

  it('keeps verifying hashes made with older parameters after the cost is raised', async () => {
    const old = await hasher.hash('pw');
    const stronger = createPasswordHasher({ memoryKiB: 16384, passes: 2 });
    await expect(stronger.verify('pw', old)).resolves.toBe(true);
  });

  it('treats a malformed stored hash as a mismatch, not an error', async () => {
    await expect(hasher.verify('pw', 'plaintext')).resolves.toBe(false);
    await expect(hasher.verify('pw', '$argon2id$v=19$m=1,t=1,p=1$$')).resolves.toBe(false);
    // Well-formed, but parameters argon2 refuses (memory below 8 KiB per lane).
    await expect(hasher.verify('pw', '$argon2id$v=19$m=1,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).resolves.toBe(false);
  });

  it('is RFC 9106 argon2id: hashes computed by node:crypto verify, and ours match its tags', async () => {
    const b64 = (buffer: Buffer) => buffer.toString('base64').replace(/=+$/, '');
    for (const [memory, passes] of [[8192, 1], [19456, 2]] as const) {
      const password = `pässwörd-${memory}`;
      const salt = randomBytes(16);
      const tag = argon2Sync('argon2id', { message: password, nonce: salt, memory, passes, parallelism: 1, tagLength: 32 });
      const stored = `$argon2id$v=19$m=${memory},t=${passes},p=1$${b64(salt)}$${b64(tag)}`;
      await expect(hasher.verify(password, stored)).resolves.toBe(true);
      await expect(hasher.verify(`${password}!`, stored)).resolves.toBe(false);
    }
    const ours = await hasher.hash('correct horse');
    const [, , , , salt, tag] = ours.split('$') as [string, string, string, string, string, string];
    const expected = argon2Sync('argon2id', { message: 'correct horse', nonce: Buffer.from(salt, 'base64'), memory: 8192, passes: 1, parallelism: 1, tagLength: 32 });
    expect(tag).toBe(b64(expected));
  });

  it('spends a real verification on unknown accounts and always says no', async () => {
    await expect(hasher.verifyDummy('anything')).resolves.toBe(false);
  });
});
