import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, jwtVerify, type JWK } from 'jose';
import type { ReplayCache } from '../store/replay-cache.js';

/** Proof algorithms we accept: the ones the authorization server publishes (dpop_signing_alg_values_supported). */
export const DPOP_ALGORITHMS = ['ES256', 'Ed25519', 'EdDSA'] as const;

/** A proof that fails a check of RFC 9449 §4.3; `message` is safe to show the client. */
export class DpopProofError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DpopProofError';
  }
}

export interface DpopRequest {
  /** The DPoP header value(s) as received. */
  proof: string | string[] | undefined;
  method: string;
  /** The request's URL as the client addressed it; query and fragment are ignored (§4.3 check 9). */
  url: string;
  accessToken: string;
  /** The access token's `cnf.jkt` (RFC 9449 §6.1). */
  boundThumbprint: string;
}

export interface DpopProofVerifier {
  verify(request: DpopRequest): Promise<void>;
}

/**
 * Checks a DPoP proof at the protected API (RFC 9449 §4.3 and §7.1): exactly one proof, a
 * `dpop+jwt` signed by the public key in its own header, with the request's method and URL, a
 * fresh `iat`, the hash of the access token (`ath`), a key whose thumbprint the token is bound
 * to, and a `jti` never seen before while the proof could still be accepted.
 */
export function createDpopProofVerifier(deps: {
  replayCache: ReplayCache;
  /** How old a proof may be, in seconds. */
  maxAgeSeconds?: number;
  /** Clock skew tolerated for proofs from the future, in seconds. */
  clockToleranceSeconds?: number;
  now?: () => number;
}): DpopProofVerifier {
  const maxAge = deps.maxAgeSeconds ?? 60;
  const tolerance = deps.clockToleranceSeconds ?? 5;
  const now = deps.now ?? Date.now;

  return {
    async verify(request) {
      if (typeof request.proof !== 'string' || request.proof.length === 0 || request.proof.includes(',')) {
        throw new DpopProofError('Send exactly one DPoP proof in the DPoP header');
      }
      let header: { jwk?: JWK };
      let payload: Record<string, unknown>;
      try {
        header = decodeProtectedHeader(request.proof) as { jwk?: JWK };
        ({ payload } = await jwtVerify(request.proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: [...DPOP_ALGORITHMS] }));
      } catch {
        throw new DpopProofError('The DPoP proof is not a dpop+jwt signed with the key in its header');
      }
      const { jti, htm, htu, iat, ath } = payload;
      if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) throw new DpopProofError('The DPoP proof needs a jti');
      if (htm !== request.method) throw new DpopProofError('The DPoP proof was made for another HTTP method');
      if (typeof htu !== 'string' || !sameResource(htu, request.url)) throw new DpopProofError('The DPoP proof was made for another URL');
      const seconds = Math.floor(now() / 1000);
      if (typeof iat !== 'number' || iat > seconds + tolerance || iat < seconds - maxAge) {
        throw new DpopProofError('The DPoP proof is too old or from the future; make a fresh one');
      }
      if (ath !== createHash('sha256').update(request.accessToken).digest('base64url')) {
        throw new DpopProofError('The DPoP proof was made for another access token');
      }
      const thumbprint = await calculateJwkThumbprint(header.jwk!, 'sha256');
      if (thumbprint !== request.boundThumbprint) throw new DpopProofError('The DPoP proof is signed by a key the access token is not bound to');
      // Remembered for as long as the iat check would still let the proof through.
      if (!(await deps.replayCache.claim(`dpop:${thumbprint}:${jti}`, (maxAge + tolerance) * 1000))) {
        throw new DpopProofError('This DPoP proof has been used before; make a new one for every request');
      }
    },
  };
}

function sameResource(htu: string, url: string): boolean {
  try {
    const a = new URL(htu);
    const b = new URL(url);
    return a.origin === b.origin && a.pathname === b.pathname;
  } catch {
    return false;
  }
}
