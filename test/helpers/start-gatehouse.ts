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
  /** The environment it was configured from (the admin CLI gets the same one). */
  env: Record<string, string>;
  /** Every log line the server wrote (JSON strings), for tests that read logs. */
  logs: string[];
  close(): Promise<void>;
}

/**
 * Starts the same server `npm start` runs, in this process, on free ports, with the
 * development seed and its own throwaway data directory. `overrides` change the environment.
 */
export async function startTestGatehouse(overrides: Record<string, string> = {}): Promise<TestGatehouse> {
  const [port, apiPort] = [await freePort(), await freePort()];
  const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-test-'));
  const env = {
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
    ...overrides,
  };
  const config = loadConfig(env);
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
    env,
    logs,
    async close() {
      await running.close(1000);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
