import { describe, expect, it } from '@jest/globals';
import { calculateJwkThumbprint } from 'jose';
import { generateSigningKey } from '../../src/keys/signing-keys.js';

describe('new signing keys', () => {
  it('are named by their RFC 7638 thumbprint, never beginning like a command-line option', async () => {
    // One thumbprint in 32 begins with "-" or "_": 400 keys show it unless such keys are refused.
    const keys = await Promise.all(Array.from({ length: 400 }, () => generateSigningKey('ES256')));
    for (const key of keys) {
      expect(key.kid).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]{42}$/);
      expect(key.kid).toBe(await calculateJwkThumbprint(key));
    }
  });
});
