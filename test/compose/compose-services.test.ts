import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { containerPorts, loadComposeFile, parseEnvFile, ROOT, toLocal, type ComposeService } from '../helpers/compose.js';
import { freePort } from '../helpers/free-port.js';

/**
 * docker compose without Docker: every service's own command, run here with its compose
 * environment (.env.example standing in for .env), compose-network addresses and published ports
 * mapped to free local ports, and its own health check as the readiness probe.
 *
 * Redis: the compose file's redis service, a throwaway redis-server started with the service's own
 * arguments; Gatehouse must be ready on it.
 */
const run = promisify(execFile);

const compose = loadComposeFile();
const serviceNames = Object.keys(compose.services);
const envFile = parseEnvFile(readFileSync(join(ROOT, '.env.example'), 'utf8'));
// Container port -> local port, for every container port of every service.
const ports = new Map<number, number>();
const processes: Array<{ name: string; child: ChildProcess; output: string[] }> = [];
let dataDir: string;

function local(value: string, service: ComposeService): string {
  return toLocal(value, ports, serviceNames, containerPorts(service));
}

/** A compose service's environment as its container sees it, mapped to this machine. */
function environmentOf(name: string): Record<string, string> {
  const service = compose.services[name]!;
  const env: Record<string, string> = { PATH: process.env['PATH'] ?? '' };
  for (const [key, value] of Object.entries({ ...envFile, ...service.environment })) env[key] = local(value, service);
  // The named volume at /app/.data becomes a throwaway folder.
  if (env['DATA_DIR'] === '/app/.data') env['DATA_DIR'] = dataDir;
  return env;
}

function start(name: string, argv: string[], env: Record<string, string>): void {
  const [program, ...args] = argv;
  // `node` in the image is Node 24; here it is the Node running this test (also 24).
  const child = spawn(program === 'node' ? process.execPath : program!, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => output.push(String(chunk)));
  child.stderr!.on('data', (chunk: Buffer) => output.push(String(chunk)));
  processes.push({ name, child, output });
}

/**
 * Runs the service's own compose health check until it passes. `connection` goes right after the
 * program (redis-cli's -p: inside its container Redis is on its default port).
 */
async function healthy(name: string, connection: string[] = []): Promise<void> {
  const service = compose.services[name]!;
  const test = service.healthcheck!.test as string[];
  expect(test[0]).toBe('CMD');
  const [program, ...args] = test.slice(1).map((part) => local(part, service));
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await run(program === 'node' ? process.execPath : program!, [...connection, ...args], { timeout: 5000 });
      return;
    } catch (error) {
      const exited = processes.find((entry) => entry.name === name && entry.child.exitCode !== null);
      if (exited || Date.now() > deadline) {
        throw new Error(`${name} did not become healthy: ${(error as Error).message}\n${processes.find((entry) => entry.name === name)?.output.join('')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-compose-'));
  for (const port of [3000, 3001, 3002, 6379]) ports.set(port, await freePort());
  // The image's build step.
  await run('npm', ['run', 'build', '--silent'], { cwd: ROOT, timeout: 120_000 });

  const redis = compose.services['redis']!;
  start('redis', [...redis.command!, '--port', String(ports.get(6379)), '--bind', '127.0.0.1', '--dir', dataDir], {});
  await healthy('redis', ['-p', String(ports.get(6379))]);
  for (const name of ['gatehouse', 'api', 'demo']) {
    start(name, compose.services[name]!.command!, environmentOf(name));
    await healthy(name);
  }
}, 180_000);

afterAll(async () => {
  await Promise.all(processes.map(({ child }) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  })));
  await rm(dataDir, { recursive: true, force: true });
});

describe('the compose services started by their own commands', () => {
  it('Gatehouse answers its health checks, on the redis store', async () => {
    const url = `http://127.0.0.1:${ports.get(3000)}`;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', store: 'redis' });
  });

  it('the API fetched Gatehouse\'s keys over the (mapped) compose network', async () => {
    const ready = await fetch(`http://127.0.0.1:${ports.get(3001)}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { keys: number }).keys).toBeGreaterThan(0);
    const anonymous = await fetch(`http://127.0.0.1:${ports.get(3001)}/protected`);
    expect(anonymous.status).toBe(401);
  });

  it('the API serves its own metrics: request latency by route', async () => {
    const api = `http://127.0.0.1:${ports.get(3001)}`;
    expect((await fetch(`${api}/protected`)).status).toBe(401);
    const metrics = await fetch(`${api}/metrics`);
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toMatch(/^gatehouse_http_request_duration_seconds_count\{server="api",route="\/protected",method="GET",status="4xx"\} [1-9]/m);
    expect(text).toContain('process_cpu_seconds_total');
  });

  it('the demo reached Gatehouse through its internal address and knows the seeded client', async () => {
    const ready = await fetch(`http://127.0.0.1:${ports.get(3002)}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', issuer: `http://localhost:${ports.get(3000)}`, client_id: 'demo-confidential' });
  });

  it('the demo sends browsers to Gatehouse\'s public address with PKCE and the API as resource', async () => {
    const start = await fetch(`http://127.0.0.1:${ports.get(3002)}/login`, { redirect: 'manual' });
    const location = new URL(start.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(`http://localhost:${ports.get(3000)}/oauth/authorize`);
    expect(Object.fromEntries(location.searchParams)).toMatchObject({
      client_id: 'demo-confidential',
      resource: `http://localhost:${ports.get(3001)}`,
      code_challenge_method: 'S256',
      // The seeded client's redirect URI names the fixed port 3002, so this run stops here; the
      // full sign-in through the demo is covered by demo-app.test.ts and the e2e suite.
      redirect_uri: `http://localhost:${ports.get(3002)}/callback`,
    });
  });

  it('`docker compose stop` (SIGTERM): Gatehouse, the API and the demo each drain, say so and exit 0', async () => {
    for (const name of ['demo', 'api', 'gatehouse']) {
      const { child, output } = processes.find((entry) => entry.name === name)!;
      const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (code, signal) => resolve([code, signal])));
      child.kill('SIGTERM');
      expect([name, await exited]).toEqual([name, [0, null]]);
      expect(output.join('')).toContain('"msg":"shutting down"');
    }
  });
});
