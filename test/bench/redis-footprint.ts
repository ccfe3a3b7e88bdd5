import { Redis } from 'ioredis';

/**
 * Redis memory per stored record: `count` operations that each store one more record set (a
 * client_credentials token, or a whole flow's session, grant, code, access and refresh tokens),
 * then MEMORY USAGE (key name, value and Redis's per-key overhead) of every key that is new
 * afterwards, divided by `count`. Not used_memory before and after: keys that expire or are
 * deleted meanwhile (used codes, earlier scenarios' records) made that delta meaningless, even
 * negative.
 */
export async function bytesPerOperation(redisUrl: string, count: number, operation: () => Promise<unknown>, concurrency = 8): Promise<{ count: number; bytesPerOperation: number; keysPerOperation: number }> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    const before = new Set<string>();
    for await (const keys of scanKeys(redis)) for (const key of keys) before.add(key);
    let next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        await operation();
      }
    }));
    const added: string[] = [];
    for await (const keys of scanKeys(redis)) added.push(...keys.filter((key) => !before.has(key)));
    const bytes = (await memoryUsage(redis, added)).reduce((sum, size) => sum + size, 0);
    return { count, bytesPerOperation: Math.round(bytes / count), keysPerOperation: Math.round((added.length / count) * 10) / 10 };
  } finally {
    redis.disconnect();
  }
}

/** Every key (matching `pattern`), a SCAN batch at a time: a million keys never sit in one array. */
async function* scanKeys(redis: Redis, pattern = '*'): AsyncGenerator<string[]> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    yield keys;
  } while (cursor !== '0');
}

/**
 * MEMORY USAGE of each key (key name, value and Redis's per-key overhead), counted exactly
 * (SAMPLES 0: sets and hashes are not estimated from a sample); 0 for a key gone meanwhile.
 */
async function memoryUsage(redis: Redis, keys: readonly string[]): Promise<number[]> {
  const sizes: number[] = [];
  for (let i = 0; i < keys.length; i += 500) {
    const pipeline = redis.pipeline();
    for (const key of keys.slice(i, i + 500)) pipeline.call('MEMORY', 'USAGE', key, 'SAMPLES', '0');
    for (const [, usage] of (await pipeline.exec()) ?? []) sizes.push(Number(usage ?? 0));
  }
  return sizes;
}

export interface KeyKindUsage {
  /** The key with its hash-tagged id replaced by {…}: "AccessToken:{…}", "grant-tokens:{…}". */
  kind: string;
  keys: number;
  /** MEMORY USAGE (key name, value and Redis's per-key overhead) over the sampled keys. */
  sampled: number;
  meanBytes: number;
  maxBytes: number;
}

/**
 * MEMORY USAGE per key kind under `prefix` (docs/storage.md lists the kinds): every key is
 * counted, at most `samplesPerKind` of each kind are measured, so a keyspace of a million
 * tokens is summarised in a second.
 */
export async function keyUsageByKind(redis: Redis, prefix: string, samplesPerKind = 200): Promise<KeyKindUsage[]> {
  const kinds = new Map<string, { keys: number; sample: string[] }>();
  for await (const keys of scanKeys(redis, `${prefix}*`)) {
    for (const key of keys) {
      const kind = kindOf(key.slice(prefix.length));
      const entry = kinds.get(kind) ?? { keys: 0, sample: [] };
      entry.keys++;
      if (entry.sample.length < samplesPerKind) entry.sample.push(key);
      kinds.set(kind, entry);
    }
  }
  const usage: KeyKindUsage[] = [];
  for (const [kind, { keys, sample }] of kinds) {
    const sizes = (await memoryUsage(redis, sample)).filter((bytes) => bytes > 0);
    if (sizes.length === 0) continue;
    usage.push({
      kind, keys, sampled: sizes.length,
      meanBytes: Math.round(sizes.reduce((a, b) => a + b, 0) / sizes.length),
      maxBytes: Math.max(...sizes),
    });
  }
  return usage.sort((a, b) => a.kind.localeCompare(b.kind));
}

/** Per-record keys lose their id; fixed keys ({accounts}:by-id, {key-set}) keep their name. */
function kindOf(key: string): string {
  return key.startsWith('{') ? key : key.replace(/\{[^}]*\}/, '{…}');
}
