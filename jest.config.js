import { spawnSync } from 'node:child_process';
import { base } from './jest.base.js';

/**
 * The flow suite (test/integration) runs three times: against the embedded store, a single
 * Redis and a Redis Cluster of three masters. Each Redis project starts its own throwaway
 * redis-server processes on free ports (test/setup/redis-global-setup.ts) unless
 * TEST_REDIS_URL / TEST_REDIS_CLUSTER_NODES name a Redis to use instead.
 */
const redisProject = (store) => ({
  ...base,
  displayName: store,
  testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
  globals: { gatehouseTestStore: store },
  // One file per project: jest runs a globalSetup path once, however many projects name it.
  globalSetup: `<rootDir>/test/setup/${store}-global-setup.ts`,
  globalTeardown: '<rootDir>/test/setup/redis-global-teardown.ts',
});

const hasRedisServer = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
// "memory": every test, the flow suite on the embedded store.
const projects = [{
  ...base,
  displayName: 'memory',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // The CLI tests (test/cli, their own Redis each) run the compiled `gatehouse` command: build it when src/ changed.
  globalSetup: '<rootDir>/test/helpers/build-cli.js',
}];
if (hasRedisServer || process.env.TEST_REDIS_URL) projects.push(redisProject('redis'));
if (hasRedisServer || process.env.TEST_REDIS_CLUSTER_NODES) projects.push(redisProject('redis-cluster'));
if (projects.length < 3) {
  const message = 'no redis-server binary on PATH (apt-get install redis-server) and no TEST_REDIS_URL / TEST_REDIS_CLUSTER_NODES: '
    + 'the flow suite runs against the embedded store only and Redis-backed suites are skipped';
  // CI must test what we ship: there the skip is a failure.
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(`Redis-backed tests cannot run: ${message}`);
  console.warn(`\n${'!'.repeat(78)}\n!! SKIPPING REDIS-BACKED TESTS: ${message}.\n!! CI=true makes this a failure.\n${'!'.repeat(78)}\n`);
}

export default { projects, testTimeout: 30000 };
