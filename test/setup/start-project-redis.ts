// jest loads globalSetup through plain require (no moduleNameMapper), so the helper is
// required by its real file name; it imports nothing relative for the same reason.
const { startRedisCluster, startRedisServer } = require('../helpers/redis-server.ts') as typeof import('../helpers/redis-server.js');

/**
 * For one Redis test project: a throwaway Redis (or a Cluster of three masters) shared by every
 * test file of the project through environment variables the test workers inherit. Each test
 * server uses a key prefix of its own, so files never see each other's keys. jest runs a
 * globalSetup file once however many projects name it, hence one file per project.
 */
export async function startProjectRedis(store: 'redis' | 'redis-cluster'): Promise<void> {
  const state = globalThis as { gatehouseTestRedis?: Array<{ close(): Promise<void> }> };
  state.gatehouseTestRedis ??= [];
  if (store === 'redis' && !process.env.TEST_REDIS_URL) {
    const server = await startRedisServer();
    state.gatehouseTestRedis.push(server);
    process.env.GATEHOUSE_TEST_REDIS_URL = server.url;
  }
  if (store === 'redis-cluster' && !process.env.TEST_REDIS_CLUSTER_NODES) {
    const cluster = await startRedisCluster(3);
    state.gatehouseTestRedis.push(cluster);
    process.env.GATEHOUSE_TEST_REDIS_CLUSTER_NODES = cluster.seedList;
  }
}
