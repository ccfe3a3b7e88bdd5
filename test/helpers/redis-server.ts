import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * Throwaway Redis servers for tests: each one a fresh `redis-server` process on a free port
 * with its own directory, killed on close. Tests never touch a Redis the user runs.
 */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  readonly pid: number;
  /** Sends a signal to the process (SIGSTOP freezes it, SIGCONT resumes it). */
  signal(signal: NodeJS.Signals): void;
  /** kill -9, and wait for the process to be gone. */
  crash(): Promise<void>;
  /** Starts the server again on the same port and directory (and so the same AOF). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface RedisServerOptions {
  /** Append-only persistence in `dir` (fsync on every write); off by default. */
  appendonly?: boolean;
  /** Keep data here (a persistence test restarts on it); a fresh temporary directory by default. */
  dir?: string;
  /** Extra `redis-server` arguments, e.g. ['--maxmemory-policy', 'allkeys-lru']. */
  args?: string[];
}

const execFileAsync = promisify(execFile);

// Whatever happens to the test run, no redis-server outlives it.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Whether a redis-server binary is on PATH (Debian: apt-get install redis-server). */
export function hasRedisServerBinary(): boolean {
  const result = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  return result.status === 0;
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = options.dir ?? await mkdtemp(join(tmpdir(), 'gatehouse-redis-'));
  const ownsDir = options.dir === undefined;
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', dir,
    '--save', '',
    '--logfile', '',
    '--loglevel', 'warning',
    ...(options.appendonly ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
    ...options.args ?? [],
  ];
  let child = await launch(args, port);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    get pid() { return child.pid!; },
    signal(signal) {
      child.kill(signal);
    },
    async crash() {
      await stop(child, 'SIGKILL');
    },
    async restart() {
      await stop(child, 'SIGKILL');
      child = await launch(args, port);
    },
    async close() {
      child.kill('SIGCONT');
      await stop(child, 'SIGKILL');
      if (ownsDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface RedisCluster {
  readonly nodes: readonly RedisServer[];
  /** REDIS_CLUSTER_NODES for Gatehouse: every master, comma-separated. */
  readonly seedList: string;
  close(): Promise<void>;
}

/** A real Redis Cluster of `masters` nodes (no replicas), with every slot assigned and ok. */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const nodes = await Promise.all(Array.from({ length: masters }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gatehouse-redis-cluster-'));
    return startRedisServer({ dir, args: ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf'), '--cluster-node-timeout', '2000'] });
  }));
  const close = async () => {
    await Promise.all(nodes.map(async (node) => {
      await node.close();
      await rm(node.dir, { recursive: true, force: true });
    }));
  };
  try {
    await execFileAsync('redis-cli', ['--cluster', 'create', ...nodes.map((node) => `127.0.0.1:${node.port}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 20_000 });
    for (const node of nodes) {
      await waitFor(async () => (await redisCli(node.port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'), 15_000, `cluster node ${node.port} to report cluster_state:ok`);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { nodes, seedList: nodes.map((node) => `127.0.0.1:${node.port}`).join(','), close };
}

export interface RedisSentinel {
  readonly port: number;
  readonly masterName: string;
  close(): Promise<void>;
}

/** One Sentinel watching `master` under the name "gatehouse-master". */
export async function startRedisSentinel(master: RedisServer): Promise<RedisSentinel> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-sentinel-'));
  const masterName = 'gatehouse-master';
  const configFile = join(dir, 'sentinel.conf');
  // Sentinel rewrites its config file, so it must be a writable file of its own.
  await writeFile(configFile, [
    `port ${port}`,
    'bind 127.0.0.1',
    `dir ${dir}`,
    `sentinel monitor ${masterName} 127.0.0.1 ${master.port} 1`,
    `sentinel down-after-milliseconds ${masterName} 2000`,
    '',
  ].join('\n'));
  const child = await launch([configFile, '--sentinel', '--logfile', '', '--loglevel', 'warning'], port);
  await waitFor(async () => (await redisCli(port, 'SENTINEL', 'get-master-addr-by-name', masterName)).includes(String(master.port)), 10_000, 'sentinel to know its master');
  return {
    port,
    masterName,
    async close() {
      await stop(child, 'SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs redis-cli against a test server and returns its output. */
export async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 5000 });
  return stdout;
}

async function launch(args: string[], port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const exited = Promise.race([once(child, 'exit'), once(child, 'error')])
    .then(() => { throw new Error(`redis-server exited during startup: ${stderr.slice(0, 500)}`); });
  exited.catch(() => {});
  await Promise.race([waitFor(() => answersPing(port), 15_000, `redis-server on port ${port} to answer PING`), exited]);
  return child;
}

async function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

/** True when something on `port` answers PING with PONG (not LOADING, not refused). */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/**
 * A TCP port free on 127.0.0.1 right now. (A copy of free-port.ts: this file imports nothing
 * relative, because jest's globalSetup loads it outside the test module resolver.)
 */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await Promise.resolve().then(check).catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
