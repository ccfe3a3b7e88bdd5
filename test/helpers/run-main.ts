import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface MainExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a real entry point, src/main.ts unless `entry` says another (Node compiles the types away;
 * resolve-ts-hook.mjs maps its ".js" imports), with exactly this environment besides PATH. A
 * server that starts is sent SIGTERM the moment it says it is up; one that neither exits nor
 * starts is killed after `timeoutMs`.
 */
export function runMain(env: Record<string, string>, options: { entry?: string; timeoutMs?: number } = {}): Promise<MainExit> {
  const { entry = 'src/main.ts', timeoutMs = 20_000 } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--experimental-transform-types', '--no-warnings', '--import', './test/helpers/resolve-ts-hook.mjs', entry], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let stopped = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!stopped && /Gatehouse is up|protected API is up|Gatehouse demo is up/.test(stdout)) {
        stopped = true;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
