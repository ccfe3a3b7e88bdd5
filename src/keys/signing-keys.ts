import { calculateJwkThumbprint, CompactSign, compactVerify, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';

/** A JWKS with private members, as oidc-provider's `jwks` option takes it. */
export interface PrivateJwks {
  keys: JWK[];
}

/** ES256 for our JWT access tokens; RS256 is what OIDC relying parties expect for ID tokens by default. */
export const SIGNING_ALGORITHMS = ['RS256', 'ES256'] as const;

export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/**
 * How an operator makes a JWKS for SIGNING_KEYS(_FILE). `--silent`: without it npm writes its own
 * header into the file; the Docker image has no TypeScript to build with, but the compiled script.
 */
export const GENERATE_KEYS_HINT = 'generate a JWKS with `npm run --silent keys:generate > jwks.json` '
  + '(with the Docker image: `docker run --rm IMAGE node dist/cli/generate-keys.js > jwks.json`)';

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

/** The JWS algorithm a key without "alg" signs with (what oidc-provider would pick); undefined when none fits. */
export function inferAlgorithm(jwk: JWK): string | undefined {
  if (jwk.kty === 'RSA') return 'RS256';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  if (jwk.kty === 'EC' && jwk.crv === 'P-384') return 'ES384';
  if (jwk.kty === 'EC' && jwk.crv === 'P-521') return 'ES512';
  if (jwk.kty === 'OKP') return 'Ed25519';
  return undefined;
}

/** Problems with a configured JWKS, worded for the operator; empty when usable. */
export async function checkSigningKeys(jwks: unknown): Promise<string[]> {
  if (!jwks || typeof jwks !== 'object' || !Array.isArray((jwks as PrivateJwks).keys)) {
    return ['signing keys must be a JWKS: {"keys": [...]}'];
  }
  const keys = (jwks as PrivateJwks).keys;
  const problems: string[] = [];
  await Promise.all(keys.map(async (key, index) => {
    const name = `signing key #${index + 1}`;
    if (!key || typeof key !== 'object' || typeof key.kty !== 'string') problems[index] = `${name} is not a JWK`;
    else if (key.kty === 'oct') problems[index] = `${name} is symmetric; only RSA and EC keys may sign`;
    else if (!key.d) problems[index] = `${name} (${key.kid ?? key.kty}) has no private part ("d")`;
    else if (!(await signsAndVerifies(key))) {
      const type = key.kty === 'RSA' ? 'RSA' : [key.kty === 'EC' ? 'EC' : undefined, key.crv].filter(Boolean).join(' ');
      problems[index] = `${name} (kid ${key.kid ?? 'none'}) is not a valid ${type} private key${key.alg ? ` for ${key.alg}` : ''}: `
        + `it cannot sign, or what it signs does not verify with its public part (${GENERATE_KEYS_HINT})`;
    }
  }));
  const found = problems.filter(Boolean);
  if (!keys.some((key) => key?.kty === 'RSA')) found.push('signing keys need an RSA key (RS256 is the default ID token algorithm)');
  if (!keys.some((key) => key?.kty === 'EC' && key.crv === 'P-256')) found.push('signing keys need an EC P-256 key (ES256 signs JWT access tokens)');
  return found;
}

/**
 * Whether a private JWK signs, and its public part verifies what it signed. Keys are imported
 * only when the provider first signs with them: a key with broken members (a truncated "d" or
 * "n") would otherwise pass the boot and fail every token request.
 */
async function signsAndVerifies(jwk: JWK): Promise<boolean> {
  const alg = jwk.alg ?? inferAlgorithm(jwk);
  if (!alg) return false;
  try {
    const signed = await new CompactSign(new TextEncoder().encode('gatehouse key check')).setProtectedHeader({ alg }).sign(await importJWK(jwk, alg));
    await compactVerify(signed, await importJWK(publicJwk(jwk), alg));
    return true;
  } catch {
    return false;
  }
}
