import type { JWK } from 'jose';
import { KeyDecryptionError, type KeySealer } from './key-encryption.js';
import type { StoredSigningKey } from './key-set.js';
import type { PrivateJwks } from './signing-keys.js';

/**
 * Turns stored keys (in signing order) into the private JWKS oidc-provider takes. Each key is
 * decrypted once and kept in memory while it stays published; the refresher calls this on
 * every change, not on every poll.
 */
export function createKeySetOpener(sealer: KeySealer): (keys: readonly StoredSigningKey[]) => PrivateJwks {
  let opened = new Map<string, { sealed: string; jwk: JWK }>();
  return (keys) => {
    const next = new Map<string, { sealed: string; jwk: JWK }>();
    for (const key of keys) {
      const cached = opened.get(key.kid);
      if (cached?.sealed === key.sealedPrivateJwk) {
        next.set(key.kid, cached);
        continue;
      }
      let jwk: JWK;
      try {
        jwk = JSON.parse(sealer.open(key.sealedPrivateJwk, key.kid)) as JWK;
      } catch (error) {
        const reason = error instanceof KeyDecryptionError ? error.message : 'not a JWK';
        throw new KeyDecryptionError(`signing key ${key.kid}: ${reason}`);
      }
      next.set(key.kid, { sealed: key.sealedPrivateJwk, jwk });
    }
    opened = next;
    return { keys: keys.map((key) => structuredClone(opened.get(key.kid)!.jwk)) };
  };
}
