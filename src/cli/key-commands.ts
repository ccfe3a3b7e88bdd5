import { checkSealerOpens, KeySetError, retireKey, rotateKeySet, updateKeySet, type KeySetDraft } from '../keys/key-rotation.js';
import { keyStatus, publishedKeys, type KeySetRecord } from '../keys/key-set.js';
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from '../keys/signing-keys.js';
import { MAX_SIGNED_TOKEN_LIFETIME } from '../provider/ttl.js';
import type { CliContext } from './cli-context.js';
import { CliError, UsageError, type CommandGroup } from './command.js';
import { formatDuration, parseDuration } from './duration.js';
import { isoTime, table } from './output.js';

/**
 * The delay between publishing a new key and signing with it must exceed the time every instance
 * needs to publish it (PROVIDER_REFRESH_SECONDS) plus the time verifiers may wait before they
 * refetch our JWKS for an unknown kid (jose's default cooldown, and our API's: 30 s). Then no
 * verifier sees a token signed by a key it cannot find. The default leaves room for slower ones.
 */
const VERIFIER_REFETCH_SECONDS = 30;
const defaultActivateIn = (refreshSeconds: number) => Math.max(5 * 60, refreshSeconds + 2 * VERIFIER_REFETCH_SECONDS);

export const keyCommands: CommandGroup = {
  name: 'keys',
  summary: 'Rotate the keys that sign ID tokens and JWT access tokens, without downtime.',
  commands: [
    {
      name: 'list',
      summary: 'List the signing keys: active, next (published, not signing yet), retiring (verify-only).',
      async run(context) {
        const record = await requireKeySet(context);
        const now = Math.floor(context.now() / 1000);
        const keys = describeKeys(record, now);
        context.print(keys, table(
          ['KID', 'ALG', 'STATUS', 'SIGNS_FROM', 'LEAVES_JWKS_AFTER'],
          keys.map((key) => [key.kid, key.alg, key.status, key.activates_at, key.status === 'active' ? undefined : key.retire_after]),
        ));
      },
    },
    {
      name: 'rotate',
      summary: 'Create new signing keys: published now, signing after --activate-in; the old keys stay published until their tokens expire.',
      options: {
        'activate-in': { type: 'string', value: 'DURATION', description: 'how long the new keys are published before they sign (default 5m; 0 for a compromised key)' },
        alg: { type: 'string', multiple: true, value: 'ALG', description: `rotate only these algorithms (${SIGNING_ALGORITHMS.join(', ')}; default: both)` },
      },
      details: `Every running instance picks the new keys up within PROVIDER_REFRESH_SECONDS, and they sign from the
activation time on every instance. A superseded key leaves the JWKS ${formatDuration(MAX_SIGNED_TOKEN_LIFETIME)} (the longest token
lifetime) plus a margin after the new key activates; \`gatehouse keys retire KID --force\` removes it sooner.`,
      async run(context, { values }) {
        const safeDelay = context.config.providerRefreshSeconds + VERIFIER_REFETCH_SECONDS;
        const activateIn = values['activate-in'] === undefined ? defaultActivateIn(context.config.providerRefreshSeconds)
          : parseDuration('activate-in', String(values['activate-in']), { min: 0, max: 30 * 86_400 });
        const algorithms = (values['alg'] as string[] | undefined) ?? [...SIGNING_ALGORITHMS];
        const unknown = algorithms.filter((alg) => !(SIGNING_ALGORITHMS as readonly string[]).includes(alg));
        if (unknown.length > 0) throw new UsageError(`--alg must be ${SIGNING_ALGORITHMS.join(' or ')} (got ${unknown.join(', ')})`);
        // Two new keys of one algorithm share a generation: one would sign, the other never, yet stay published.
        const repeated = algorithms.find((alg, index) => algorithms.indexOf(alg) !== index);
        if (repeated) throw new UsageError(`--alg ${repeated} is given twice (each algorithm gets one new key)`);
        const sealer = await context.sealer();
        const now = Math.floor(context.now() / 1000);

        let added: string[] = [];
        const record = await changeKeySet(context, now, async (current) => {
          const result = await rotateKeySet(current, {
            now, activateIn, algorithms: algorithms as SigningAlgorithm[], sealer, maxTokenLifetime: MAX_SIGNED_TOKEN_LIFETIME,
          });
          added = result.added.map((key) => key.kid);
          return result.draft;
        });
        const keys = describeKeys(record!, now);
        const fresh = keys.filter((key) => added.includes(key.kid));
        if (activateIn < safeDelay) {
          context.io.err(`Note: with less than ${safeDelay} s between publishing and signing, a verifier that has not refetched our JWKS yet may reject new tokens for a moment.\n`);
        }
        context.print({ added: fresh, keys }, [
          ...fresh.map((key) => `New ${key.alg} key ${key.kid}: published now, signs from ${key.activates_at}.`),
          `Running instances publish it within ${context.config.providerRefreshSeconds} s. Superseded keys leave the JWKS when their tokens have expired.`,
        ].join('\n'));
      },
    },
    {
      name: 'retire',
      summary: 'Remove a key from the JWKS now (only once its tokens have expired, or with --force).',
      args: ['KID'],
      options: {
        force: { type: 'boolean', description: 'remove it even though tokens it signed may still be valid (a compromised key): they stop verifying' },
      },
      async run(context, { args, values }) {
        const kid = args[0]!;
        const now = Math.floor(context.now() / 1000);
        await changeKeySet(context, now, async (current) => {
          if (!current) throw new KeySetError('the store has no signing keys yet: start a server on it, or run `gatehouse keys rotate`');
          return retireKey(current, kid, { now, force: values['force'] === true });
        });
        context.print({ kid, retired: true }, `Retired ${kid}: running instances stop publishing it within ${context.config.providerRefreshSeconds} s.`);
      },
    },
  ],
};

/**
 * Every change to the key set goes through here: only with a KEYS_ENCRYPTION_KEY that opens the
 * stored keys (checked on every compare-and-set attempt, on what it is about to change), and
 * with the refusals worded for the operator.
 */
async function changeKeySet(
  context: CliContext,
  now: number,
  change: (current: KeySetRecord | undefined) => Promise<KeySetDraft | undefined>,
): Promise<KeySetRecord | undefined> {
  const sealer = await context.sealer();
  try {
    return await updateKeySet(context.store.keySet, async (current) => {
      checkSealerOpens(current, sealer, now);
      return change(current);
    });
  } catch (error) {
    if (error instanceof KeySetError) throw new CliError(error.message);
    throw error;
  }
}

async function requireKeySet(context: CliContext): Promise<KeySetRecord> {
  const record = await context.store.keySet.read();
  if (!record) throw new CliError('the store has no signing keys yet: start a server on it (it seeds them), or run `gatehouse keys rotate`');
  return record;
}

/** Keys in JWKS order, then expired ones; public parts only. */
function describeKeys(record: KeySetRecord, now: number) {
  const published = publishedKeys(record, now);
  const expired = record.keys.filter((key) => !published.includes(key));
  return [...published, ...expired].map((key) => ({
    kid: key.kid,
    alg: key.alg,
    status: keyStatus(record, key, now),
    activates_at: isoTime(key.activatesAt),
    retire_after: isoTime(key.retireAfter),
    public_jwk: key.publicJwk,
  }));
}
