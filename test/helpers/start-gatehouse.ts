import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/observability/logger.js';
import { startGatehouse } from '../../src/server.js';
import { logSink } from './capture-logs.js';
import { freePort } from './free-port.js';

export interface TestGatehouse {
  issuer: string;
  /** The store this server runs on: the test project's (see jest.config.js) unless `env` chose one. */
  store: 'memory' | 'redis' | 'redis-cluster' | 'redis-sentinel';
  apiUrl: string;
  /** The environment it was configured from (the admin CLI gets the same one). */
  env: Record<string, string>;
  /** Every log line the server wrote (JSON strings), for tests that read logs. */
  logs: string[];
  /** Set when METRICS_PORT is given. */
  metricsUrl: string | undefined;
  close(): Promise<void>;
}

/**
 * Starts the same server `npm start` runs, in this process, on free ports, with the
 * development seed and its own throwaway data directory. `env` overrides the environment.
 * The store is the test project's (embedded, Redis or Redis Cluster: jest.config.js), under a
 * key prefix of its own, unless `env` names a Redis itself.
 */
export async function startTestGatehouse(env: Record<string, string> = {}): Promise<TestGatehouse> {
  const [port, apiPort] = [await freePort(), await freePort()];
  const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-test-'));
  const configuredEnv: Record<string, string> = {
    NODE_ENV: 'test',
    PORT: String(port),
    API_PORT: String(apiPort),
    ISSUER: `http://localhost:${port}`,
    API_AUDIENCE: `http://localhost:${apiPort}`,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'debug',
    // The cheapest argon2id the config accepts: tests sign in hundreds of times.
    PASSWORD_HASH_MEMORY_KIB: '8192',
    PASSWORD_HASH_PASSES: '1',
    ...projectStoreEnv(env),
    ...env,
  };
  const config = loadConfig(configuredEnv);
  const { lines: logs, destination } = logSink();
  const running = await startGatehouse(config, createLogger({ level: config.logLevel, destination }));
  const topology = config.redis?.topology.kind;
  return {
    issuer: config.issuer,
    store: topology === 'single' ? 'redis' : topology === 'cluster' ? 'redis-cluster' : topology === 'sentinel' ? 'redis-sentinel' : 'memory',
    apiUrl: `http://localhost:${apiPort}`,
    env: configuredEnv,
    logs,
    metricsUrl: running.metricsUrl,
    async close() {
      await running.close(1000);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The Redis of the test project this file runs in (jest.config.js `globals`), if any. */
function projectStoreEnv(env: Record<string, string>): Record<string, string> {
  if (env.REDIS_URL || env.REDIS_CLUSTER_NODES || env.REDIS_SENTINELS) return {};
  const store = (globalThis as { gatehouseTestStore?: string }).gatehouseTestStore;
  const prefix = `test-${randomBytes(6).toString('hex')}:`;
  const required = (value: string | undefined) => {
    // Falling back to the embedded store here would pass the Redis runs without Redis.
    if (!value) throw new Error(`the ${store} test project has no Redis: its globalSetup did not run`);
    return value;
  };
  if (store === 'redis') {
    return { REDIS_URL: required(process.env.TEST_REDIS_URL ?? process.env.GATEHOUSE_TEST_REDIS_URL), REDIS_KEY_PREFIX: prefix };
  }
  if (store === 'redis-cluster') {
    return { REDIS_CLUSTER_NODES: required(process.env.TEST_REDIS_CLUSTER_NODES ?? process.env.GATEHOUSE_TEST_REDIS_CLUSTER_NODES), REDIS_KEY_PREFIX: prefix };
  }
  return {};
}
