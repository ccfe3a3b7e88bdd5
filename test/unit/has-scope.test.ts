import { describe, expect, it } from '@jest/globals';
import { hasScope } from '../../src/resource-server/bearer-auth.js';

describe('hasScope: a scope string lists a scope as a whole space-delimited word (RFC 6749 §3.3)', () => {
  it('finds the scope at the start, in the middle, at the end, or alone', () => {
    expect(hasScope('api:read', 'api:read')).toBe(true);
    expect(hasScope('api:read openid', 'api:read')).toBe(true);
    expect(hasScope('openid api:read email', 'api:read')).toBe(true);
    expect(hasScope('openid api:read', 'api:read')).toBe(true);
  });

  it('does not take a longer scope that contains it, or a scope it contains', () => {
    expect(hasScope('api:readonly', 'api:read')).toBe(false);
    expect(hasScope('xapi:read', 'api:read')).toBe(false);
    expect(hasScope('api:rea', 'api:read')).toBe(false);
    expect(hasScope('api:readonly x-api:read api:read', 'api:read')).toBe(true);
  });

  it('is false without a scope string', () => {
    expect(hasScope(undefined, 'api:read')).toBe(false);
    expect(hasScope('', 'api:read')).toBe(false);
    expect(hasScope(['api:read'], 'api:read')).toBe(false);
  });
});
