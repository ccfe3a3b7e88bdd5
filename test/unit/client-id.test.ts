import { describe, expect, it } from '@jest/globals';
import { newClientId } from '../../src/provider/client-id.js';

describe('new client ids', () => {
  it('carry 128 random bits and never begin like a command-line option', () => {
    const ids = Array.from({ length: 2000 }, () => newClientId());
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]{21}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
