import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_DIR } from './build-dist.js';
import { freePort } from './free-port.js';

export interface SpawnedGatehouse {
  child: ChildProcess;
  port: number;
  issuer: string;
  /** The protected API next to it (API_PORT). */
  apiUrl: string;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  cleanup(): Promise<void>;
}

/**
 * Starts Gatehouse as its own process, the way production does (`node dist/main.js`, or
 * `npm start`), on free loopback ports with a throwaway DATA_DIR, and waits for "Gatehouse is up"
 * (unless `waitUntilUp` is false: for tests of what it answers while it starts).
 */
export async function spawnGatehouse(options: { command?: 'node' | 'npm start'; env?: Record<string, string>; detached?: boolean; waitUntilUp?: boolean } = {}): Promise<SpawnedGatehouse> {
  const [port, apiPort] = [await freePort(), await freePort()];
  const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-spawn-'));
  const env = {
    ...process.env,
    PATH: `${REPO_DIR}node_modules/.bin:${process.env['PATH']}`,
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    API_PORT: String(apiPort),
    ISSUER: `http://localhost:${port}`,
    API_AUDIENCE: `http://localhost:${apiPort}`,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    PASSWORD_HASH_MEMORY_KIB: '8192',
    PASSWORD_HASH_PASSES: '1',
    ...options.env,
  };
  // --ignore-scripts skips prestart (the build): the test built dist/ already.
  const [command, args] = options.command === 'npm start' ? ['npm', ['start', '--ignore-scripts', '--silent']] : ['node', ['dist/main.js']];
  const child = spawn(command, args as string[], { cwd: REPO_DIR, env, stdio: ['ignore', 'pipe', 'pipe'], detached: options.detached ?? false });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  const deadline = Date.now() + 20_000;
  while (options.waitUntilUp !== false && !output.includes('Gatehouse is up')) {
    const early = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve(undefined), 50))]);
    if (early) throw new Error(`Gatehouse exited before it was up:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Gatehouse did not come up within 20 s:\n${output}`);
    }
  }
  return {
    child,
    port,
    issuer: `http://localhost:${port}`,
    apiUrl: `http://localhost:${apiPort}`,
    output: () => output,
    exited,
    async cleanup() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
