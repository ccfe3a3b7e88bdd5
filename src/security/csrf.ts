import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Anti-CSRF tokens bound to one interaction: HMAC(cookie key, purpose + interaction uid).
 * Stateless (any instance with the same keys verifies them) and useless for another interaction.
 */
export interface CsrfTokens {
  issue(interactionUid: string): string;
  verify(interactionUid: string, token: unknown): boolean;
}

export function createCsrfTokens(deps: { keys: readonly string[] }): CsrfTokens {
  const [signingKey] = deps.keys;
  if (!signingKey) throw new Error('createCsrfTokens needs at least one key');
  const mac = (key: string, uid: string) => createHmac('sha256', key).update(`gatehouse-csrf:${uid}`).digest();

  return {
    issue: (uid) => mac(signingKey, uid).toString('base64url'),
    verify(uid, token) {
      if (typeof token !== 'string' || token.length > 128) return false;
      const presented = Buffer.from(token, 'base64url');
      // Every key verifies, so rotating COOKIE_KEYS does not break forms already on screen.
      return deps.keys.some((key) => {
        const expected = mac(key, uid);
        return presented.length === expected.length && timingSafeEqual(presented, expected);
      });
    },
  };
}
