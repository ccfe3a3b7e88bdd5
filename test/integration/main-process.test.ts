import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, portOpen } from '../helpers/free-port.js';
import { ROOT, runMain } from '../helpers/run-main.js';
import { startTestGatehouse } from '../helpers/start-gatehouse.js';

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-main-'));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

describe('the npm start process', () => {
  it('drains and exits 0 on a SIGTERM sent the moment it says it is up', async () => {
    const result = await runMain({
      NODE_ENV: 'development', PORT: String(await freePort()), API_ENABLED: 'false', DATA_DIR: dataDir,
      PASSWORD_HASH_MEMORY_KIB: '8192', PASSWORD_HASH_PASSES: '1',
    });
    expect({ code: result.code, signal: result.signal }).toEqual({ code: 0, signal: null });
    expect(result.stdout).toMatch(/"signal":"SIGTERM","msg":"shutting down"/);
  });
});

/**
 * Starts `entry` (the server, or the protected API on its own) waiting for a Redis that is not
 * there (for a minute), sends `signal` once `waiting` lines match `waitingLine`, and resolves with
 * how it ended and what it wrote.
 */
async function signalWhileWaitingForRedis(env: Record<string, string>, signal: NodeJS.Signals, waiting = 1, entry = 'src/main.ts', waitingLine = /"msg":"using Redis storage"/g) {
  const child = spawn(process.execPath, ['--experimental-transform-types', '--no-warnings', '--import', './test/helpers/resolve-ts-hook.mjs', entry], {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'] ?? '', NODE_ENV: 'development', PORT: String(await freePort()), API_ENABLED: 'false', DATA_DIR: dataDir,
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`, REDIS_CONNECT_TIMEOUT_MS: '60000', ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let sent = false;
  const read = (chunk: Buffer) => {
    output += chunk.toString();
    if (!sent && (output.match(waitingLine) ?? []).length >= waiting) {
      sent = true;
      child.kill(signal);
    }
  };
  child.stdout.on('data', read);
  child.stderr.on('data', read);
  const [code, exitSignal] = await once(child, 'exit') as [number | null, NodeJS.Signals | null];
  return { code, signal: exitSignal, output };
}

describe('a signal while the server is still starting (waiting for Redis)', () => {
  it('stops the start, says it is shutting down and exits 0, without waiting out REDIS_CONNECT_TIMEOUT_MS', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const result = await signalWhileWaitingForRedis({}, signal);
      expect({ code: result.code, signal: result.signal }).toEqual({ code: 0, signal: null });
      expect(result.output).toContain(`"signal":"${signal}","msg":"shutting down"`);
      expect(result.output).not.toMatch(/failed to start/);
    }
  });

  it('the protected API on its own does the same while it waits for the Redis of its replay cache', async () => {
    const result = await signalWhileWaitingForRedis({ API_PORT: String(await freePort()) }, 'SIGTERM', 1, 'src/api-main.ts', /"msg":"Redis connection error"/g);
    expect({ code: result.code, signal: result.signal }).toEqual({ code: 0, signal: null });
    expect(result.output).toContain('"signal":"SIGTERM","msg":"shutting down"');
    expect(result.output).not.toMatch(/failed to start/);
  });

  it('with WORKERS, each worker stops its start cleanly and the primary exits 0', async () => {
    const result = await signalWhileWaitingForRedis({ WORKERS: '2' }, 'SIGTERM', 2);
    expect({ code: result.code, signal: result.signal }).toEqual({ code: 0, signal: null });
    expect(result.output).not.toMatch(/did not stop cleanly|failed to start/);
  });
});

describe('a server that cannot start', () => {
  it('closes the ports it had already opened (the API port was taken)', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const apiPort = (taken.address() as { port: number }).port;
    const port = await freePort();
    try {
      await expect(startTestGatehouse({ PORT: String(port), API_PORT: String(apiPort), API_HOST: '127.0.0.1' }))
        .rejects.toThrow(/EADDRINUSE/);
      // The authorization server listened before the API failed: nothing may answer there now.
      expect(await portOpen(port)).toBe(false);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
