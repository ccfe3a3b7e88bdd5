import { describe, expect, it } from '@jest/globals';
import { MemoryModelTable } from '../../src/store/memory/memory-adapter.js';

/**
 * A request that used up a code and then failed on our side (5xx) gives it back, so that the
 * client's retry is not taken for a replay (src/store/request-undo.ts). Giving back only ever
 * takes back that request's own consumption.
 */
describe('the embedded store gives back a consumption of a failed request', () => {
  const code = { jti: 'code-1', kind: 'AuthorizationCode', clientId: 'client-1', grantId: 'grant-1' };

  it('makes the code usable once more: the next redemption uses it up', () => {
    const table = new MemoryModelTable();
    table.upsert('AuthorizationCode', code.jti, code, 60);

    const giveBack = table.consume('AuthorizationCode', code.jti);
    giveBack();

    expect(table.find('AuthorizationCode', code.jti)?.consumed).toBeUndefined();
    table.consume('AuthorizationCode', code.jti);
    expect(() => table.consume('AuthorizationCode', code.jti)).toThrow(expect.objectContaining({ error: 'invalid_grant' }));
  });

  it('never takes back a later redemption\'s consumption', () => {
    const table = new MemoryModelTable();
    table.upsert('AuthorizationCode', code.jti, code, 60);
    const giveBack = table.consume('AuthorizationCode', code.jti);
    giveBack();
    table.consume('AuthorizationCode', code.jti);

    giveBack();

    expect(table.find('AuthorizationCode', code.jti)?.consumed).toEqual(expect.any(Number));
  });
});
