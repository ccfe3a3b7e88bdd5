import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';
import { waitFor } from './redis-server.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A Gatehouse running as its own process: src/main.ts, as `npm run dev` would run it. */
export interface GatehouseProcess {
  /** Where this instance listens (its issuer may be elsewhere: a proxy in front). */
  readonly url: string;
  readonly output: () => string;
  stop(): Promise<void>;
}

/**
 * Starts src/main.ts in a child process on a free port with `env` (plus cheap password
 * hashing), and waits until it answers /healthz. Nothing is shared with the test process.
 */
export async function startGatehouseProcess(env: Record<string, string>): Promise<GatehouseProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--experimental-transform-types', '--no-warnings', '--import', './test/helpers/resolve-ts-hook.mjs', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(port),
      API_ENABLED: 'false',
      PASSWORD_HASH_MEMORY_KIB: '8192',
      PASSWORD_HASH_PASSES: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`gatehouse exited: ${output}`);
      return (await fetch(`${url}/healthz`)).ok;
    }, 20_000, `gatehouse on ${port} to answer /healthz`);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${output}`);
  }
  return { url, output: () => output, stop };
}
