import { calculateJwkThumbprint, type JWK } from 'jose';
import { KeyDecryptionError, type KeySealer } from './key-encryption.js';
import { activeKeyFor, keyStatus, publishedKeys, type KeySetRecord, type KeySetRepository, type StoredSigningKey } from './key-set.js';
import { createKeySetOpener } from './open-key-set.js';
import { generateSigningKey, inferAlgorithm, publicJwk, type PrivateJwks, type SigningAlgorithm } from './signing-keys.js';

/**
 * Beyond the longest token lifetime, a superseded key stays published this much longer: instances
 * switch keys up to one poll interval apart, and verifiers' clocks drift.
 */
export const RETIRE_MARGIN_SECONDS = 15 * 60;

/** A key-set operation the operator asked for that cannot be done; the message says why and what to do. */
export class KeySetError extends Error {
  readonly code = 'ERR_KEY_SET';
  constructor(message: string) {
    super(message);
    this.name = 'KeySetError';
  }
}

/** A key set record without its version: what an operation computes; the repository versions it. */
export type KeySetDraft = Omit<KeySetRecord, 'version'>;

export async function sealKey(sealer: KeySealer, jwk: JWK, fields: Pick<StoredSigningKey, 'generation' | 'createdAt' | 'activatesAt'>): Promise<StoredSigningKey> {
  const kid = jwk.kid ?? await calculateJwkThumbprint(jwk);
  const alg = jwk.alg ?? defaultAlgorithm(jwk);
  const full = { ...jwk, kid, alg, use: 'sig' };
  return {
    kid,
    alg,
    publicJwk: publicJwk(full),
    sealedPrivateJwk: sealer.seal(JSON.stringify(full), kid),
    ...fields,
  };
}

/**
 * The first key set, from the configured JWKS (SIGNING_KEYS, or development keys): every key is
 * active at once, the first of each algorithm signing, as oidc-provider did with that JWKS. A
 * further key of an algorithm only verifies (an operator's previous key, kept for the tokens it
 * signed): it leaves the JWKS once those have expired, as a superseded key does.
 */
export async function seedKeySet(jwks: PrivateJwks, sealer: KeySealer, now: number, maxTokenLifetime: number): Promise<KeySetDraft> {
  const keys = await Promise.all(jwks.keys.map((jwk) => sealKey(sealer, jwk, { generation: 1, createdAt: now, activatesAt: now })));
  const seeded = { version: 0, keys };
  const retireAfter = now + maxTokenLifetime + RETIRE_MARGIN_SECONDS;
  return { keys: keys.map((key) => (activeKeyFor(seeded, key.alg, now)?.kid === key.kid ? key : { ...key, retireAfter })) };
}

export interface RotateOptions {
  now: number;
  /** Seconds between publishing the new keys and signing with them. */
  activateIn: number;
  algorithms: readonly SigningAlgorithm[];
  sealer: KeySealer;
  /** Seconds a signed token can live (MAX_SIGNED_TOKEN_LIFETIME). */
  maxTokenLifetime: number;
}

/**
 * Adds a new key per algorithm, published now and signing from `now + activateIn`. Every older key
 * of those algorithms that could still sign is scheduled to leave the JWKS once the tokens it may
 * sign before then have expired. Keys already past their retirement are dropped (their private parts with them).
 */
export async function rotateKeySet(current: KeySetRecord | undefined, options: RotateOptions): Promise<{ draft: KeySetDraft; added: StoredSigningKey[] }> {
  const { now, activateIn, algorithms, sealer, maxTokenLifetime } = options;
  const existing = current ? pruneExpired(current, now).keys : [];
  const generation = Math.max(0, ...existing.map((key) => key.generation)) + 1;
  const activatesAt = now + activateIn;
  const retireAfter = activatesAt + maxTokenLifetime + RETIRE_MARGIN_SECONDS;
  // An algorithm with no active key (an empty store) would have nothing to sign with meanwhile.
  const activationFor = (alg: SigningAlgorithm) => (current && activeKeyFor(current, alg, now) ? activatesAt : now);
  const added = await Promise.all(algorithms.map(async (alg) =>
    sealKey(sealer, await generateSigningKey(alg), { generation, createdAt: now, activatesAt: activationFor(alg) })));
  // Keys that sign now or would sign before the new ones activate; retiring keys keep their date.
  // A verify-only key without one (a second key of an algorithm, seeded before seeds dated them) gets it too.
  const stillSigning = (key: StoredSigningKey) => current !== undefined
    && (['active', 'next'].includes(keyStatus(current, key, now)) || key.retireAfter === undefined);
  const kept = existing.map((key) => (algorithms.includes(key.alg as SigningAlgorithm) && stillSigning(key) ? { ...key, retireAfter } : key));
  return { draft: { keys: [...added, ...kept] }, added };
}

/**
 * Removes a key from the JWKS now. The active key cannot go (rotate first); a superseded key whose
 * tokens may still be valid goes only with `force` (a compromised key: its tokens stop verifying).
 */
export function retireKey(current: KeySetRecord, kid: string, options: { now: number; force: boolean }): KeySetDraft {
  const key = current.keys.find((candidate) => candidate.kid === kid);
  if (!key) throw new KeySetError(`there is no signing key with kid "${kid}" (\`gatehouse keys list\` shows them)`);
  const status = keyStatus(current, key, options.now);
  if (status === 'active') {
    throw new KeySetError(`${kid} is the active ${key.alg} key: run \`gatehouse keys rotate\` first, then retire it once its tokens have expired`);
  }
  if (status === 'retiring' && !options.force) {
    const until = key.retireAfter === undefined ? 'they expire' : new Date(key.retireAfter * 1000).toISOString();
    throw new KeySetError(`tokens signed by ${kid} may be valid until ${until}, and it leaves the JWKS by itself then; `
      + 'pass --force to remove it now (a compromised key): every token it signed stops verifying');
  }
  return { keys: pruneExpired(current, options.now).keys.filter((candidate) => candidate.kid !== kid) };
}

export function pruneExpired(record: KeySetRecord, now: number): KeySetDraft {
  return { keys: record.keys.filter((key) => keyStatus(record, key, now) !== 'expired') };
}

/**
 * Refuses a writer whose KEYS_ENCRYPTION_KEY cannot open the stored keys (as the servers open
 * them), before it writes anything: run with another key (another DATA_DIR's development key),
 * `keys rotate` would add keys sealed with it, which the servers cannot open, so they would keep
 * the old set, and an instance starting afterwards would refuse to.
 */
export function checkSealerOpens(current: KeySetRecord | undefined, sealer: KeySealer, now: number): void {
  if (!current) return;
  try {
    createKeySetOpener(sealer)(publishedKeys(current, now));
  } catch (error) {
    if (!(error instanceof KeyDecryptionError)) throw error;
    throw new KeySetError(`KEYS_ENCRYPTION_KEY does not match the key the stored signing keys are sealed with (${error.message}); `
      + 'run this with the servers\' KEYS_ENCRYPTION_KEY (in development, with their DATA_DIR)');
  }
}

/**
 * Applies `change` to the stored key set with compare-and-set, retrying when another writer (an
 * operator, an instance seeding the first set) got there first.
 */
export async function updateKeySet(
  repository: KeySetRepository,
  change: (current: KeySetRecord | undefined) => Promise<KeySetDraft | undefined>,
): Promise<KeySetRecord | undefined> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await repository.read();
    const draft = await change(current);
    if (!draft) return current;
    const next: KeySetRecord = { version: (current?.version ?? 0) + 1, keys: draft.keys };
    if (await repository.write(next, current?.version ?? 0)) return next;
  }
  throw new KeySetError('the key set kept changing while this command ran; run it again');
}

function defaultAlgorithm(jwk: JWK): string {
  const alg = inferAlgorithm(jwk);
  if (!alg) throw new KeySetError(`signing key ${jwk.kid ?? ''} has no "alg" and none can be inferred from kty ${jwk.kty}`);
  return alg;
}
