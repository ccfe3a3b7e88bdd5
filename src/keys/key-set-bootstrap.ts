import { calculateJwkThumbprint } from 'jose';
import type { Logger } from '../observability/logger.js';
import { MAX_SIGNED_TOKEN_LIFETIME } from '../provider/ttl.js';
import type { KeySealer } from './key-encryption.js';
import { seedKeySet, updateKeySet } from './key-rotation.js';
import type { KeySetRecord, KeySetRepository } from './key-set.js';
import { generateSigningKeys, type PrivateJwks } from './signing-keys.js';

export interface EnsureKeySetDeps {
  repository: KeySetRepository;
  sealer: KeySealer;
  /** SIGNING_KEYS(_FILE) or the development keys; undefined: generate fresh ones. */
  configured: PrivateJwks | undefined;
  /** Whether an operator gave SIGNING_KEYS(_FILE) (development keys are not worth a warning). */
  configuredByOperator: boolean;
  /** Epoch seconds. */
  now: number;
  logger: Logger;
}

/**
 * The key set every instance signs with. The first instance to start on an empty store seeds it
 * (compare-and-set: concurrent first starts agree on one set); from then on the store is the
 * source of truth and `gatehouse keys` manages it.
 */
export async function ensureKeySet(deps: EnsureKeySetDeps): Promise<KeySetRecord> {
  let seeded = false;
  const record = await updateKeySet(deps.repository, async (current) => {
    // Re-evaluated on every attempt: an instance that loses the race to seed uses the winner's set.
    seeded = current === undefined;
    if (current) return undefined;
    return seedKeySet(deps.configured ?? await generateSigningKeys(), deps.sealer, deps.now, MAX_SIGNED_TOKEN_LIFETIME);
  });
  if (!record) throw new Error('the key set could not be stored');
  if (seeded) {
    deps.logger.info({ kids: record.keys.map((key) => key.kid) }, deps.configured ? 'signing key set seeded from the configured keys' : 'signing key set generated');
  } else if (deps.configuredByOperator && deps.configured) {
    const stored = new Set(record.keys.map((key) => key.kid));
    const kids = await Promise.all(deps.configured.keys.map(async (key) => key.kid ?? calculateJwkThumbprint(key)));
    if (kids.some((kid) => !stored.has(kid))) {
      deps.logger.warn('SIGNING_KEYS only seeds an empty store; the store already has a key set, which is used (manage it with `gatehouse keys`)');
    }
  }
  return record;
}
