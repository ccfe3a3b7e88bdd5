import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/observability/logger.js';
import { startGatehouse } from '../../src/server.js';
import { freePort } from './free-port.js';

export interface TestGatehouse {
  issuer: string;
  apiUrl: string;
  /** Every log line the server wrote (JSON strings), for tests that read logs. */
  logs: string[];
  /** Set when METRICS_PORT is given. */
  metricsUrl: string | undefined;
  close(): Promise<void>;
}

/**
 * Starts the same server `npm start` runs, in this process, on free ports, with the
 * development seed and its own throwaway data directory. `env` overrides the environment.
 */
export async function startTestGatehouse(env: Record<string, string> = {}): Promise<TestGatehouse> {
  const [port, apiPort] = [await freePort(), await freePort()];
  const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-test-'));
  const config = loadConfig({
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
    ...env,
  });
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      callback();
    },
  });
  const running = await startGatehouse(config, createLogger({ level: config.logLevel, destination }));
  return {
    issuer: config.issuer,
    apiUrl: `http://localhost:${apiPort}`,
    logs,
    metricsUrl: running.metricsUrl,
    async close() {
      await running.close(1000);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
