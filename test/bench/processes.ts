import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { freePort, portOpen } from '../helpers/free-port.ts';

/** A server process the benchmark started, with what it needs to measure it. */
export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  readonly output: () => string;
  /** User + system CPU seconds of the process and its children (cluster workers). */
  cpuSeconds(): Promise<number>;
  /** Resident memory of the process and its children, in bytes. */
  rssBytes(): Promise<number>;
  stop(): Promise<void>;
}

const CLOCK_TICKS = 100;

// Servers still running when the benchmark exits (a crash, Ctrl-C) are killed with it.
const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const orphan of running) orphan.kill('SIGKILL');
    });
  }
  running.add(child);
  child.once('exit', () => running.delete(child));
}

async function processTree(pid: number): Promise<number[]> {
  const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  const ids = children.split(' ').filter(Boolean).map(Number);
  return [pid, ...(await Promise.all(ids.map(processTree))).flat()];
}

async function sumOverTree(pid: number, read: (pid: number) => Promise<number>): Promise<number> {
  const values = await Promise.all((await processTree(pid)).map((id) => read(id).catch(() => 0)));
  return values.reduce((a, b) => a + b, 0);
}

const cpuOf = async (pid: number) => {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces): utime is the 14th field, stime the 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
};
const rssOf = async (pid: number) => {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
};

/** Spawns a server listening on 127.0.0.1:`port` and waits until `ready` says so (or it dies). */
export async function startProcess(options: {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string | undefined>;
  port: number;
  /** Other ports that must accept connections before the server counts as ready. */
  alsoPorts?: number[];
  ready: (output: string) => boolean;
  cwd?: string;
  timeoutMs?: number;
  /**
   * Where the server's stdout/stderr go. A file costs the server one write per log line and the
   * benchmark nothing (a pipe would make this process read every access-log line under load).
   */
  logFile: string;
}): Promise<ServerProcess> {
  const fd = openSync(options.logFile, 'a');
  const child: ChildProcess = spawn(options.command, options.args, {
    cwd: options.cwd, env: options.env as NodeJS.ProcessEnv, stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  track(child);
  const tail = () => {
    try {
      return readFileSync(options.logFile, 'utf8').slice(-20_000);
    } catch {
      return '';
    }
  };
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let sawReady = false;
  let output = '';
  while (!sawReady) {
    output = tail();
    if (child.exitCode !== null) throw new Error(`${options.name} exited with ${child.exitCode} before it was ready:\n${output.slice(-3000)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${options.name} was not ready within ${options.timeoutMs ?? 30_000} ms:\n${output.slice(-3000)}`);
    }
    sawReady = options.ready(output) && (await portOpen(options.port)) && (await Promise.all((options.alsoPorts ?? []).map(portOpen))).every(Boolean);
    if (!sawReady) await sleep(50);
  }
  return {
    name: options.name,
    pid: child.pid!,
    port: options.port,
    output: tail,
    cpuSeconds: () => sumOverTree(child.pid!, cpuOf),
    rssBytes: () => sumOverTree(child.pid!, rssOf),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A throwaway redis-server on a free loopback port: no persistence, never the machine's own Redis. */
export async function startRedis(logFile: string): Promise<ServerProcess & { url: string }> {
  const port = await freePort();
  const redis = await startProcess({
    name: 'redis-server',
    command: 'redis-server',
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    env: process.env,
    port,
    ready: (output) => output.includes('Ready to accept connections'),
    logFile,
  });
  return Object.assign(redis, { url: `redis://127.0.0.1:${port}` });
}

export { freePort };
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
