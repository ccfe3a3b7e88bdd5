import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

/** A JWKS with private members, as oidc-provider's `jwks` option takes it. */
export interface PrivateJwks {
  keys: JWK[];
}

/** ES256 for our JWT access tokens; RS256 is what OIDC relying parties expect for ID tokens by default. */
export const SIGNING_ALGORITHMS = ['RS256', 'ES256'] as const;

export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export async function generateSigningKeys(): Promise<PrivateJwks> {
  return { keys: await Promise.all(SIGNING_ALGORITHMS.map(generateSigningKey)) };
}

/**
 * A fresh private JWK for `alg`, its kid the RFC 7638 thumbprint. A thumbprint is base64url and
 * may begin with "-", which reads as an option on a command line (`gatehouse keys retire KID`
 * failed with a usage error): such a key is thrown away and another made (one in 32).
 */
export async function generateSigningKey(alg: SigningAlgorithm): Promise<JWK> {
  for (;;) {
    const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
    const jwk = await exportJWK(privateKey);
    const kid = await calculateJwkThumbprint(jwk);
    if (/^[A-Za-z0-9]/.test(kid)) return { ...jwk, kid, alg, use: 'sig' };
  }
}

/** The public members of a JWK (what the JWKS publishes). */
export function publicJwk(jwk: JWK): JWK {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, oth: _oth, k: _k, priv: _priv, ...rest } = jwk as JWK & { priv?: string };
  return rest;
}

/** Problems with a configured JWKS, worded for the operator; empty when usable. */
export function checkSigningKeys(jwks: unknown): string[] {
  if (!jwks || typeof jwks !== 'object' || !Array.isArray((jwks as PrivateJwks).keys)) {
    return ['signing keys must be a JWKS: {"keys": [...]}'];
  }
  const keys = (jwks as PrivateJwks).keys;
  const problems: string[] = [];
  keys.forEach((key, index) => {
    if (!key || typeof key !== 'object' || typeof key.kty !== 'string') problems.push(`signing key #${index} is not a JWK`);
    else if (key.kty !== 'oct' && !key.d) problems.push(`signing key #${index} (${key.kid ?? key.kty}) has no private part ("d")`);
    else if (key.kty === 'oct') problems.push(`signing key #${index} is symmetric; only RSA and EC keys may sign`);
  });
  if (!keys.some((key) => key?.kty === 'RSA')) problems.push('signing keys need an RSA key (RS256 is the default ID token algorithm)');
  if (!keys.some((key) => key?.kty === 'EC' && key.crv === 'P-256')) problems.push('signing keys need an EC P-256 key (ES256 signs JWT access tokens)');
  return problems;
}
