import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/gatehouse.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for --json runs). */
  json<T = Record<string, unknown>>(): T;
}

/**
 * Runs the real `gatehouse` command (bin/gatehouse.js, compiled CLI) as a child process, with
 * only `env` and PATH in its environment, and `input` on its standard input. With
 * `stdoutClosed`, the reader of its standard output is gone before the command gets its input
 * (as `| head -1` is once it has its line): whatever it prints meets a closed pipe (EPIPE).
 */
export function runGatehouse(
  args: readonly string[],
  options: { env: Record<string, string>; input?: string; stdoutClosed?: boolean },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        code: code ?? -1,
        stdout,
        stderr,
        json<T>() {
          try {
            return JSON.parse(stdout) as T;
          } catch {
            throw new Error(`gatehouse ${args.join(' ')} printed no JSON (exit ${code}):\n${stdout}\n${stderr}`);
          }
        },
      });
    });
    if (options.stdoutClosed) {
      child.stdout.once('close', () => child.stdin.end(options.input ?? ''));
      child.stdout.destroy();
    } else {
      child.stdin.end(options.input ?? '');
    }
  });
}
