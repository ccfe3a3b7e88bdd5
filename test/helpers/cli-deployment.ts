import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from '@jest/globals';
import { runGatehouse, type CliResult } from './gatehouse-cli.js';
import { startTestGatehouse, type TestGatehouse } from './start-gatehouse.js';
import { useRedis } from './test-stores.js';

export interface CliDeployment {
  /** The running instances, in start order, all on one throwaway Redis. */
  server(index?: number): TestGatehouse;
  /** Runs `gatehouse ...` with the first instance's environment (same Redis, same keys). */
  cli(args: readonly string[], input?: string, options?: { stdoutClosed?: boolean }): Promise<CliResult>;
  redis: ReturnType<typeof useRedis>;
}

/**
 * Inside a describe block: a throwaway redis-server and `instances` Gatehouse servers on it,
 * re-reading keys and resource servers every second, as an operator's deployment would be.
 */
export function useCliDeployment(options: { instances?: number; env?: Record<string, string> } = {}): CliDeployment {
  const redis = useRedis('redis');
  const servers: TestGatehouse[] = [];
  const shared = { KEYS_ENCRYPTION_KEY: randomBytes(32).toString('base64'), PROVIDER_REFRESH_SECONDS: '1' };
  beforeAll(async () => {
    for (let i = 0; i < (options.instances ?? 1); i++) {
      servers.push(await startTestGatehouse({ ...redis.env(), ...shared, ...options.env }));
    }
  }, 30_000);
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });
  return {
    server: (index = 0) => servers[index]!,
    cli: (args, input, more) => runGatehouse(args, { env: servers[0]!.env, ...(input === undefined ? {} : { input }), ...more }),
    redis,
  };
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
