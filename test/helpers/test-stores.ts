import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { hasRedisServerBinary, startRedisCluster, startRedisServer, type RedisCluster, type RedisServer } from './redis-server.js';

/**
 * Redis-backed suites beyond the flow suite's store matrix (jest.config.js), and the rule for
 * when Redis is missing.
 *
 * They use throwaway `redis-server` processes (see redis-server.ts). Without a
 * redis-server binary they may use a Redis given by TEST_REDIS_URL (and a cluster by
 * TEST_REDIS_CLUSTER_NODES), under a random key prefix, never flushed. Suites that kill,
 * freeze or restart Redis need the binary. When neither is there, Redis-backed suites are
 * skipped with a loud warning; under CI (CI=true) they fail instead.
 */

/** What a Redis-backed suite needs: any Redis to talk to, or a redis-server it may kill. */
export type RedisNeed = 'redis' | 'redis-cluster' | 'redis-server-binary';

const binary = hasRedisServerBinary();
const required = process.env.CI === 'true' || process.env.CI === '1';

function unavailableReason(need: RedisNeed): string | undefined {
  if (binary) return undefined;
  if (need === 'redis' && process.env.TEST_REDIS_URL) return undefined;
  if (need === 'redis-cluster' && process.env.TEST_REDIS_CLUSTER_NODES) return undefined;
  const alternative = need === 'redis' ? ' or TEST_REDIS_URL' : need === 'redis-cluster' ? ' or TEST_REDIS_CLUSTER_NODES' : '';
  return `no redis-server binary on PATH${alternative} (install it: apt-get install redis-server)`;
}

let warned = false;

/**
 * `describe`, or its skip (with a loud warning), or under CI a failing test, depending on
 * whether what the suite needs is available.
 */
export function describeWithRedis(title: string, need: RedisNeed, body: () => void): void {
  const reason = unavailableReason(need);
  if (!reason) {
    describe(title, body);
    return;
  }
  if (required) {
    describe(title, () => {
      it('has the Redis it needs (CI=true turns a skipped Redis suite into this failure)', () => {
        throw new Error(`Redis-backed suite cannot run: ${reason}`);
      });
    });
    return;
  }
  if (!warned) {
    warned = true;
    console.warn(`\n${'!'.repeat(78)}\n!! SKIPPING REDIS-BACKED TESTS: ${reason}.\n!! Only the embedded store is tested. CI=true makes this a failure.\n${'!'.repeat(78)}\n`);
  }
  describe.skip(`${title} (skipped: ${reason})`, body);
}

/**
 * Inside a describe block: a Redis (or cluster) for the block's tests, started in beforeAll
 * and stopped in afterAll. `env()` selects it, under a key prefix of its own.
 */
export function useRedis(kind: 'redis' | 'redis-cluster'): { env(): Record<string, string>; server(): RedisServer | undefined; cluster(): RedisCluster | undefined } {
  let server: RedisServer | undefined;
  let cluster: RedisCluster | undefined;
  const prefix = `test-${randomBytes(4).toString('hex')}:`;
  beforeAll(async () => {
    if (kind === 'redis' && binary) server = await startRedisServer();
    if (kind === 'redis-cluster' && binary) cluster = await startRedisCluster(3);
  }, 30_000);
  afterAll(async () => {
    await server?.close();
    await cluster?.close();
  });
  return {
    env(): Record<string, string> {
      if (kind === 'redis') return { REDIS_URL: server?.url ?? process.env.TEST_REDIS_URL!, REDIS_KEY_PREFIX: prefix };
      return { REDIS_CLUSTER_NODES: cluster?.seedList ?? process.env.TEST_REDIS_CLUSTER_NODES!, REDIS_KEY_PREFIX: prefix };
    },
    server: () => server,
    cluster: () => cluster,
  };
}
