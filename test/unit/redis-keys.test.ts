import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';
import { createRedisKeys, fromHashTag, hashTag } from '../../src/store/redis/keys.js';

// Redis's own slot rule (cluster.c keyHashSlot): the text between the first '{' and the first '}'
// after it, when that text is not empty; otherwise the whole key.
function redisHashedPart(key: string): string {
  const start = key.indexOf('{');
  if (start === -1) return key;
  const end = key.indexOf('}', start + 1);
  return end === -1 || end === start + 1 ? key : key.slice(start + 1, end);
}
// The client's rule, which picks the node a command goes to.
const clientSlot = createRequire(import.meta.url)('cluster-key-slot') as (key: string) => number;

const IDS_FROM_REQUESTS = ['}&l]_m}04J.', '{}a}', 'a{b}c', '{{}}', '%7B', 'x%', '%', 'plain-id_0123456789', 'ÿ{é}'];

describe('Redis keys of ids that came from a request', () => {
  const keys = createRedisKeys('gatehouse:');

  it('hash exactly the id (Redis Cluster slot), whatever braces it holds', () => {
    for (const id of IDS_FROM_REQUESTS) {
      for (const key of [keys.record('Client', id), keys.uidIndex('Session', id), keys.userCodeIndex('DeviceCode', id), keys.grantIndex(id), keys.replay(id)]) {
        expect([key, redisHashedPart(key)]).toEqual([key, hashTag(id)]);
        // ioredis sends the command to the node Redis would: no MOVED.
        expect([key, clientSlot(key)]).toEqual([key, clientSlot(`{${hashTag(id)}}`)]);
      }
    }
  });

  it('leave the ids we generate as they are, and give every id back from its record key', () => {
    expect(keys.record('AccessToken', 'Qz3-_x9')).toBe('gatehouse:AccessToken:{Qz3-_x9}');
    const ids = new Set(IDS_FROM_REQUESTS.map(hashTag));
    expect(ids.size).toBe(IDS_FROM_REQUESTS.length);
    for (const id of IDS_FROM_REQUESTS) {
      expect(keys.recordId('Client', keys.record('Client', id))).toBe(id);
      expect(fromHashTag(hashTag(id))).toBe(id);
    }
  });
});
