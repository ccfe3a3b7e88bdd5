import { afterAll, beforeAll, expect, it } from '@jest/globals';
import * as client from 'openid-client';
import { DEMO_CONFIDENTIAL, discoverClient, signIn } from '../helpers/oauth.js';
import { redisCli, startRedisCluster, waitFor, type RedisCluster } from '../helpers/redis-server.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/start-gatehouse.js';
import { describeWithRedis } from '../helpers/test-stores.js';

/**
 * One master of a three-master cluster (no replicas) dies: a third of the slots has no owner.
 * Readiness must say so, requests must keep getting answers in bounded time, and when the
 * master is back (same node id, same slots) the server recovers by itself.
 */
describeWithRedis('a Redis Cluster losing one master', 'redis-server-binary', () => {
  let cluster: RedisCluster;
  let server: TestGatehouse;
  let rp: client.Configuration;

  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    server = await startTestGatehouse({ REDIS_CLUSTER_NODES: cluster.seedList });
    rp = await discoverClient(server.issuer, DEMO_CONFIDENTIAL.id, DEMO_CONFIDENTIAL.secret);
  }, 30_000);
  afterAll(async () => {
    await server?.close();
    await cluster?.close();
  });

  const ready = async () => (await fetch(`${server.issuer}/readyz`)).status;

  it('turns /readyz to 503, answers sign-ins with 200 or 503 (never a hang or a 500), and recovers when the master returns', async () => {
    expect(await ready()).toBe(200);
    // Not the master holding the accounts (without persistence it comes back empty).
    const accountsSlot = Number(await redisCli(cluster.nodes[0]!.port, 'CLUSTER', 'KEYSLOT', 'gatehouse:{accounts}:by-id'));
    const owners = await redisCli(cluster.nodes[0]!.port, 'CLUSTER', 'NODES');
    const victim = cluster.nodes.find((node) => !owners.split('\n').some((line) =>
      line.includes(`:${node.port}@`) && line.split(' ').slice(8).some((range) => {
        const [from, to = from] = range.split('-').map(Number);
        return from! <= accountsSlot && accountsSlot <= to!;
      })))!;
    await victim.crash();
    await waitFor(async () => (await ready()) === 503, 10_000, '/readyz to report the missing master');

    // Each sign-in touches keys in many slots; whatever it hits, it gets an answer quickly.
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const outcome = await signIn(rp, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid' })
        .then(() => 'ok', (error: { message: string; error?: string; status?: number }) => `${error.message} ${error.error ?? ''} ${error.status ?? ''}`);
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(outcome).not.toMatch(/\(500\)|server_error| 500$/);
    }

    await victim.restart();
    for (const node of cluster.nodes) {
      await waitFor(async () => (await redisCli(node.port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'), 15_000, 'the cluster to heal');
    }
    await waitFor(async () => (await ready()) === 200, 15_000, '/readyz to recover');
    const { tokens } = await signIn(rp, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid' });
    expect(tokens.access_token).toBeTruthy();
  }, 60_000);
});
