import { Cluster, type Redis } from 'ioredis';
import type { Logger } from '../../observability/logger.js';
import type { RedisClient } from './connection.js';
import { redisFailure } from './store-guard.js';

/**
 * Boot-time checks of the Redis server settings our guarantees depend on. They warn, loudly,
 * instead of refusing to start: managed Redis services often forbid CONFIG, and a developer's
 * throwaway Redis need not persist anything.
 *
 * - maxmemory-policy must be noeviction. Any eviction policy lets Redis silently drop keys
 *   under memory pressure: sessions and grants vanish, and a dropped consumed-code marker
 *   would let a used authorization code be redeemed again. With noeviction a full Redis
 *   refuses writes instead (OOM), which we answer with 503.
 * - appendonly should be yes: without the append-only file a Redis restart loses everything
 *   written since the last snapshot.
 */
export async function checkServerConfig(client: RedisClient, logger: Logger): Promise<void> {
  const nodes: Redis[] = client instanceof Cluster ? client.nodes('master') : [client];
  for (const node of nodes) {
    const where = describeNode(node);
    let settings: Map<string, string>;
    try {
      const reply = await node.config('GET', 'maxmemory-policy') as string[];
      const append = await node.config('GET', 'appendonly') as string[];
      settings = new Map([...pairs(reply), ...pairs(append)]);
    } catch (error) {
      logger.warn({ redis: where, err: redisFailure(error) }, 'could not read the Redis configuration (CONFIG may be disabled): make sure maxmemory-policy is noeviction and appendonly is yes');
      continue;
    }
    const policy = settings.get('maxmemory-policy');
    if (policy !== 'noeviction') {
      logger.error(
        { redis: where, maxmemoryPolicy: policy },
        `REDIS MISCONFIGURED: maxmemory-policy is "${policy}", not "noeviction". Under memory pressure Redis will silently evict sessions, grants, tokens and consumed-code markers (a used authorization code could be redeemed again). Set maxmemory-policy noeviction.`,
      );
    }
    if (settings.get('appendonly') !== 'yes') {
      logger.warn({ redis: where }, 'Redis append-only persistence is off (appendonly no): a Redis restart loses sessions, grants and tokens written since the last snapshot. See docs/storage.md.');
    }
  }
}

/** Where a node is. Through Sentinel, its host and port options are ioredis's defaults: the socket says. */
function describeNode(node: Redis): string {
  const socket = (node as unknown as { stream?: { remoteAddress?: string; remotePort?: number } }).stream;
  if (node.options.sentinels?.length && socket?.remoteAddress) return `${socket.remoteAddress}:${socket.remotePort}`;
  return `${node.options.host ?? ''}:${node.options.port ?? ''}`;
}

function pairs(flat: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}
