import { Cluster } from 'ioredis';
import type { RedisClient } from './connection.js';
import type { RedisKeys } from './keys.js';

/**
 * The ids of every record of one model, by SCAN (every master of a Cluster). The admin CLI lists
 * registered clients with it: a rare, operator-driven call, so a scan costs less than an index
 * that every registration would have to keep consistent.
 */
export async function scanRecordIds(client: RedisClient, keys: RedisKeys, model: string): Promise<string[]> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  const found = new Set<string>();
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', keys.recordPattern(model), 'COUNT', 500);
      for (const key of batch) found.add(keys.recordId(model, key));
      cursor = next;
    } while (cursor !== '0');
  }
  return [...found];
}
