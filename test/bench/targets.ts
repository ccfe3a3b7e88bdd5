import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchClient } from './oauth-client.ts';
import { freePort, startProcess, type ServerProcess } from './processes.ts';

export const REPO_DIR = fileURLToPath(new URL('../..', import.meta.url));
const BASELINES_DIR = fileURLToPath(new URL('./baselines/', import.meta.url));

/** One client registered identically with every server under test. */
export const BENCH_CLIENT: BenchClient = { id: 'bench-client', secret: randomBytes(24).toString('base64url'), redirectUri: 'http://127.0.0.1:9/callback' };
export const BENCH_USER = { username: 'demo', password: 'demo' };
/** An opaque-token resource server, next to the JWT one (the demo API). */
export const OPAQUE_RESOURCE = { audience: 'http://opaque.bench.test', scope: 'bench:read' };

export interface Target {
  readonly name: string;
  readonly process: ServerProcess;
  /** Authorization servers: their issuer. */
  readonly issuer?: string;
  /** Ours: the protected API next to it, and the JWT resource (its audience). */
  readonly apiUrl?: string;
  /** Ours: its DATA_DIR (development keys). */
  readonly dataDir?: string;
}

export type StoreKind = 'memory' | 'redis';

export interface OursOptions {
  workDir: string;
  store: StoreKind;
  redisUrl?: string | undefined;
  workers?: number;
  /** Write a V8 CPU profile (.cpuprofile) into this directory when the server exits. */
  cpuProfileDir?: string | undefined;
  /** Its name in the report. */
  name: string;
  /**
   * DATA_DIR: another instance's, for a second deployment of the same system on the same Redis
   * (the development keys in it must match the key set that instance sealed into Redis).
   */
  dataDir?: string;
}

/**
 * Gatehouse as `npm start` runs it (node dist/main.js), with production password-hash settings
 * (the defaults), templates cached, info-level JSON logs to a file, and the bench client.
 * NODE_ENV=test only because production refuses the demo user the flows sign in as.
 */
export async function startOurs(options: OursOptions): Promise<Target> {
  const { name } = options;
  const dir = join(options.workDir, slug(name));
  await mkdir(dir, { recursive: true });
  const [port, apiPort] = [await freePort(), await freePort()];
  const issuer = `http://127.0.0.1:${port}`;
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  await writeFile(join(dir, 'clients.json'), JSON.stringify([{
    client_id: BENCH_CLIENT.id,
    client_secret: BENCH_CLIENT.secret,
    client_name: 'Benchmark client',
    redirect_uris: [BENCH_CLIENT.redirectUri],
    grant_types: ['client_credentials', 'authorization_code', 'refresh_token'],
    scope: `openid offline_access api:read ${OPAQUE_RESOURCE.scope}`,
    token_endpoint_auth_method: 'client_secret_basic',
  }]));
  await writeFile(join(dir, 'resources.json'), JSON.stringify([
    { audience: OPAQUE_RESOURCE.audience, scopes: { [OPAQUE_RESOURCE.scope]: 'Benchmark reads' }, accessTokenFormat: 'opaque', accessTokenTTL: 3600 },
  ]));
  if (options.store === 'redis' && !options.redisUrl) throw new Error('the redis store needs a running redis-server');
  const process_ = await startProcess({
    name,
    command: process.execPath,
    args: [
      ...(options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : []),
      'dist/main.js',
    ],
    cwd: REPO_DIR,
    env: {
      PATH: process.env['PATH'],
      NODE_ENV: 'test',
      // What production runs by default; BENCH_LOG_LEVEL=warn shows what the access log costs.
      LOG_LEVEL: process.env['BENCH_LOG_LEVEL'] ?? 'info',
      HOST: '127.0.0.1',
      PORT: String(port),
      API_PORT: String(apiPort),
      ISSUER: issuer,
      API_AUDIENCE: apiUrl,
      DATA_DIR: options.dataDir ?? join(dir, 'data'),
      CLIENTS_FILE: join(dir, 'clients.json'),
      RESOURCES_FILE: join(dir, 'resources.json'),
      SEED_DEMO: 'true',
      // The flows sign one user in up to --connections at a time, and each sign-in holds a try of
      // the login throttle while its password is checked: the default 10 would refuse the rest.
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '1000',
      LOGIN_MAX_FAILURES_PER_ADDRESS: '1000',
      WORKERS: String(options.workers ?? 1),
      ...(options.store === 'redis' ? { REDIS_URL: options.redisUrl } : {}),
    },
    port,
    alsoPorts: [apiPort],
    // The ports open once the server is up (it listens last); the log line may be filtered out.
    ready: () => true,
    logFile: join(dir, 'server.log'),
  });
  return { name, process: process_, issuer, apiUrl, dataDir: options.dataDir ?? join(dir, 'data') };
}

const slug = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

/** Bare oidc-provider v9: its in-memory adapter and dev pages, the same client and resources. */
export async function startBareProvider(workDir: string, apiAudience: string, cpuProfileDir?: string): Promise<Target> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const process_ = await startProcess({
    name: 'bare oidc-provider',
    command: process.execPath,
    args: [...(cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : []), join(BASELINES_DIR, 'bare-oidc-provider.ts')],
    cwd: REPO_DIR,
    env: {
      PATH: process.env['PATH'],
      NODE_ENV: 'production',
      PORT: String(port),
      ISSUER: issuer,
      BENCH_CLIENT: JSON.stringify({
        client_id: BENCH_CLIENT.id,
        client_secret: BENCH_CLIENT.secret,
        redirect_uris: [BENCH_CLIENT.redirectUri],
        grant_types: ['client_credentials', 'authorization_code', 'refresh_token'],
        scope: `openid offline_access api:read ${OPAQUE_RESOURCE.scope}`,
      }),
      BENCH_RESOURCES: JSON.stringify([
        { audience: OPAQUE_RESOURCE.audience, scope: OPAQUE_RESOURCE.scope, format: 'opaque' },
        { audience: apiAudience, scope: 'api:read', format: 'jwt' },
      ]),
    },
    port,
    ready: (output) => output.includes('ready'),
    logFile: join(workDir, 'bare-oidc-provider.log'),
  });
  return { name: 'bare oidc-provider', process: process_, issuer };
}

export async function startOAuth2Server(workDir: string): Promise<Target> {
  const port = await freePort();
  const process_ = await startProcess({
    name: '@node-oauth/oauth2-server',
    command: process.execPath,
    args: [join(BASELINES_DIR, 'oauth2-server.ts')],
    cwd: REPO_DIR,
    env: { PATH: process.env['PATH'], NODE_ENV: 'production', PORT: String(port), BENCH_CLIENT: JSON.stringify({ client_id: BENCH_CLIENT.id, client_secret: BENCH_CLIENT.secret }) },
    port,
    ready: (output) => output.includes('ready'),
    logFile: join(workDir, 'oauth2-server.log'),
  });
  return { name: '@node-oauth/oauth2-server', process: process_, issuer: `http://127.0.0.1:${port}` };
}

export async function startKoaHello(workDir: string): Promise<Target> {
  const port = await freePort();
  const process_ = await startProcess({
    name: 'koa hello-world',
    command: process.execPath,
    args: [join(BASELINES_DIR, 'koa-hello.ts')],
    cwd: REPO_DIR,
    env: { PATH: process.env['PATH'], NODE_ENV: 'production', PORT: String(port) },
    port,
    ready: (output) => output.includes('ready'),
    logFile: join(workDir, 'koa-hello.log'),
  });
  return { name: 'koa hello-world', process: process_, apiUrl: `http://127.0.0.1:${port}` };
}
