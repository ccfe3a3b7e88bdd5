import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as client from 'openid-client';
import { Browser } from '../helpers/browser.js';
import { buildDist } from '../helpers/build-dist.js';
import { fetchOnNewConnection } from '../helpers/fetch-on-new-connection.js';
import { freePort } from '../helpers/free-port.js';
import { DEMO_CONFIDENTIAL, discoverClient, signIn } from '../helpers/oauth.js';
import { runMain } from '../helpers/run-main.js';
import { startRedisServer, waitFor, type RedisServer } from '../helpers/redis-server.js';
import { spawnGatehouse, type SpawnedGatehouse } from '../helpers/spawn-gatehouse.js';
import { describeWithRedis } from '../helpers/test-stores.js';

/**
 * WORKERS=2 as production runs it (`node dist/main.js`): a cluster primary and two worker
 * processes sharing the port, one Redis. Which process answered is read from the access log:
 * every line carries the pid of the process that served the request and the request's id
 * (we send our own X-Request-Id). Each request goes on a new connection, which the primary
 * hands to the workers in turn.
 */
describeWithRedis('WORKERS=2 on one Redis', 'redis-server-binary', () => {
  let redis: RedisServer;
  let server: SpawnedGatehouse;
  let requestCount = 0;
  const tagged = (tag: string) => fetchOnNewConnection(() => ({ 'x-request-id': `${tag}-${++requestCount}` }));

  beforeAll(async () => {
    await buildDist();
    redis = await startRedisServer();
    server = await spawnGatehouse({ env: { WORKERS: '2', REDIS_URL: redis.url, LOG_LEVEL: 'info' } });
  }, 120_000);
  afterAll(async () => {
    await server?.cleanup();
    await redis?.close();
  });

  interface AccessLine { pid: number; worker?: number; reqId: string; route: string; status: number }
  const accessLines = (): AccessLine[] => server.output().split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as AccessLine & { msg: string })
    .filter((line) => line.msg === 'request');
  /** The access-log lines of requests whose id starts with `tag`, once all `count` are written (logs are flushed every 250 ms). */
  const linesOf = async (tag: string, count: number) => {
    let lines: AccessLine[] = [];
    await waitFor(() => (lines = accessLines().filter((line) => line.reqId.startsWith(`${tag}-`))).length >= count, 5000, `${count} access-log lines of ${tag} requests`);
    return lines;
  };

  it('serves requests from two worker processes, neither of them the primary, and /metrics counts both', async () => {
    const get = tagged('spread');
    for (let i = 0; i < 6; i++) expect((await get(`${server.issuer}/.well-known/openid-configuration`)).status).toBe(200);

    const lines = await linesOf('spread', 6);
    const pids = new Set(lines.map((line) => line.pid));
    expect(pids.size).toBe(2);
    expect(pids).not.toContain(server.child.pid);
    expect(new Set(lines.map((line) => line.worker))).toEqual(new Set([1, 2]));

    const metrics = await (await get(`${server.issuer}/metrics`)).text();
    expect(metrics).toMatch(/^gatehouse_processes 2$/m);
    // Per-process gauges that mean nothing summed: the newest start, the limit each process has.
    const sample = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1]);
    expect(sample('process_start_time_seconds')).toBeGreaterThan(Date.now() / 1000 - 300);
    const openFilesLimit = Number(/^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))![1]);
    expect(sample('process_max_fds')).toBe(openFilesLimit);
  });

  it('completes a sign-in whose steps alternate between the workers: the interaction, session and code are in Redis', async () => {
    const rp = await discoverClient(server.issuer, DEMO_CONFIDENTIAL.id, DEMO_CONFIDENTIAL.secret);
    rp[client.customFetch] = tagged('flow');
    const browser = new Browser({ fetch: tagged('flow') });

    const { tokens } = await signIn(rp, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid offline_access', extra: { prompt: 'consent' }, browser });
    expect(tokens.claims()?.sub).toBeDefined();
    // The refresh token issued by one worker rotates on whichever gets the next connection.
    const refreshed = await client.refreshTokenGrant(rp, tokens.refresh_token!);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    const userinfo = await client.fetchUserInfo(rp, refreshed.access_token, tokens.claims()!.sub);
    expect(userinfo.sub).toBe(tokens.claims()!.sub);

    // authorize, login page, login POST, consent page, consent POST, resume, token, refresh, userinfo
    const lines = await linesOf('flow', 9);
    expect(lines.every((line) => line.status < 400)).toBe(true);
    const servedBy = lines.map((line) => line.pid);
    expect(new Set(servedBy).size).toBe(2);
    // Consecutive steps on different processes: what one wrote, the other read from Redis.
    expect(servedBy.some((pid, i) => i > 0 && pid !== servedBy[i - 1])).toBe(true);
  });

  it('on SIGTERM lets both workers drain and exits 0, leaving no worker behind', async () => {
    const workerPids = [...new Set(accessLines().map((line) => line.pid))];
    expect(workerPids).toHaveLength(2);

    server.child.kill('SIGTERM');
    const { code, signal } = await server.exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    for (const pid of workerPids) expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  }, 30_000);
});

/**
 * WORKERS=2 on a Redis of its own for one block of tests, and which processes answered, read
 * from the access log.
 */
function useTwoWorkers(env: Record<string, string> = {}) {
  let redis: RedisServer | undefined;
  let server: SpawnedGatehouse | undefined;
  beforeAll(async () => {
    await buildDist();
    redis = await startRedisServer();
    server = await spawnGatehouse({ env: { WORKERS: '2', REDIS_URL: redis.url, LOG_LEVEL: 'info', ...env } });
  }, 120_000);
  afterAll(async () => {
    await server?.cleanup();
    await redis?.close();
  });
  return {
    get redis() { return redis!; },
    get server() { return server!; },
    /** The pids that answered requests. */
    servingPids: () => new Set(server!.output().split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string; pid: number })
      .filter((line) => line.msg === 'request')
      .map((line) => line.pid)),
  };
}

/** Issues `count` client_credentials tokens, each on a new connection, and waits until both workers have answered some. */
async function issueTokens(workers: ReturnType<typeof useTwoWorkers>, onNewConnection: ReturnType<typeof fetchOnNewConnection>, count: number) {
  for (let i = 0; i < count; i++) {
    const response = await onNewConnection(`${workers.server.issuer}/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${DEMO_CONFIDENTIAL.id}:${DEMO_CONFIDENTIAL.secret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'api:read' }),
    });
    expect(response.status).toBe(200);
  }
  await waitFor(() => workers.servingPids().size === 2, 5000, 'both workers to have answered');
}

/** The client_credentials tokens a /metrics text counts. */
function tokensIn(metrics: string): number {
  const line = metrics.split('\n').find((candidate) => candidate.startsWith('gatehouse_tokens_issued_total{kind="client_credentials"'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describeWithRedis('WORKERS=2 when a worker dies while Redis is down', 'redis-server-binary', () => {
  const workers = useTwoWorkers({ REDIS_CONNECT_TIMEOUT_MS: '1000' });
  const { servingPids } = workers;
  let requestCount = 0;
  const onNewConnection = fetchOnNewConnection(() => ({ 'x-request-id': `probe-${++requestCount}` }));

  it('keeps the other worker answering, and replaces the dead one once Redis is back', async () => {
    await waitFor(async () => {
      await onNewConnection(`${workers.server.issuer}/healthz`);
      return servingPids().size === 2;
    }, 10_000, 'both workers to answer');
    const [dead, survivor] = [...servingPids()] as [number, number];

    await workers.redis.crash();
    process.kill(dead, 'SIGKILL');
    // Replacements cannot reach Redis (1 s connect timeout) and fail to start, a few times over.
    await new Promise((resolve) => setTimeout(resolve, 6000));
    expect(workers.server.child.exitCode).toBeNull();
    expect(workers.server.output()).toContain('a replacement worker failed to start; trying again');
    const alive = await onNewConnection(`${workers.server.issuer}/healthz`);
    expect(alive.status).toBe(200);
    expect((await onNewConnection(`${workers.server.issuer}/readyz`)).status).toBe(503);

    await workers.redis.restart();
    await waitFor(async () => {
      await onNewConnection(`${workers.server.issuer}/readyz`);
      return [...servingPids()].some((pid) => pid !== dead && pid !== survivor);
    }, 40_000, 'a replacement worker to answer');
    expect((await onNewConnection(`${workers.server.issuer}/readyz`)).status).toBe(200);
  }, 60_000);
});

describeWithRedis('WORKERS=2 metrics when a worker is replaced', 'redis-server-binary', () => {
  const workers = useTwoWorkers();
  const { servingPids } = workers;
  let requestCount = 0;
  const onNewConnection = fetchOnNewConnection(() => ({ 'x-request-id': `count-${++requestCount}` }));

  const tokensIssued = async () => {
    const response = await onNewConnection(`${workers.server.issuer}/metrics`);
    if (response.status !== 200) return undefined;
    return tokensIn(await response.text());
  };

  /** A scrape that gets an answer: a connection the primary handed to the killed worker is never answered. */
  const scrapedTokens = async () => {
    let total: number | undefined;
    await waitFor(async () => (total = await tokensIssued()) !== undefined, 20_000, 'a scrape of the whole cluster');
    return total;
  };

  it('never counts down: the dead worker\'s last reported tokens stay in the total (Prometheus would read a drop as a reset)', async () => {
    await issueTokens(workers, onNewConnection, 6);
    expect(await scrapedTokens()).toBe(6);

    const [dead] = [...servingPids()] as [number];
    process.kill(dead, 'SIGKILL');
    await waitFor(async () => {
      await onNewConnection(`${workers.server.issuer}/healthz`);
      return servingPids().size === 3;
    }, 20_000, 'a replacement worker to answer');
    expect(await scrapedTokens()).toBe(6);
  }, 60_000);
});

describeWithRedis('WORKERS=2 metrics when a worker exits during a scrape', 'redis-server-binary', () => {
  // Scraped on METRICS_PORT, where the primary itself answers: no worker carries the scrape.
  const env: Record<string, string> = {};
  beforeAll(async () => {
    env['METRICS_PORT'] = String(await freePort());
  });
  const workers = useTwoWorkers(env);
  const { servingPids } = workers;
  let requestCount = 0;
  const onNewConnection = fetchOnNewConnection(() => ({ 'x-request-id': `scrape-${++requestCount}` }));

  const scrape = async () => {
    const response = await fetch(`http://127.0.0.1:${env['METRICS_PORT']}/metrics`);
    return { status: response.status, tokens: tokensIn(await response.text()) };
  };
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('counts a worker that answered and then died once, and answers at once for one that died before answering', async () => {
    await issueTokens(workers, onNewConnection, 6);
    expect(await scrape()).toEqual({ status: 200, tokens: 6 });
    const [first, second] = [...servingPids()] as [number, number];

    // The first worker answers this scrape and dies while the second has not answered yet.
    process.kill(second, 'SIGSTOP');
    const during = scrape();
    await pause(500);
    process.kill(first, 'SIGKILL');
    await pause(500);
    process.kill(second, 'SIGCONT');
    expect(await during).toEqual({ status: 200, tokens: 6 });
    expect(await scrape()).toEqual({ status: 200, tokens: 6 });

    // The second dies before it answers: its last report stands in (the scrape used to wait for it, then fail with a 503).
    process.kill(second, 'SIGSTOP');
    const unanswered = scrape();
    await pause(500);
    process.kill(second, 'SIGKILL');
    expect(await unanswered).toEqual({ status: 200, tokens: 6 });
    expect(await scrape()).toEqual({ status: 200, tokens: 6 });
  }, 60_000);
});

describeWithRedis('WORKERS=2 when a worker does not drain', 'redis-server-binary', () => {
  const workers = useTwoWorkers({ SHUTDOWN_GRACE_MS: '500' });
  const onNewConnection = fetchOnNewConnection(() => ({}));

  it('kills it after the grace period and logs which worker it was', async () => {
    await waitFor(async () => {
      await onNewConnection(`${workers.server.issuer}/healthz`);
      return workers.servingPids().size === 2;
    }, 10_000, 'both workers to answer');
    const [stuck] = [...workers.servingPids()] as [number];
    process.kill(stuck, 'SIGSTOP');

    workers.server.child.kill('SIGTERM');
    await workers.server.exited;
    // What the primary wrote last may be read after its exit.
    const lines = () => workers.server.output().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
    await waitFor(() => lines().some((line) => line['msg'] === 'a worker did not stop cleanly'), 5000, 'the primary\'s last lines');
    expect(lines()).toContainEqual(expect.objectContaining({ pid: workers.server.child.pid, msg: 'a worker did not drain in time; killing it' }));
    expect(lines()).toContainEqual(expect.objectContaining({ signal: 'SIGKILL', msg: 'a worker did not stop cleanly' }));
    expect(() => process.kill(stuck, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  }, 30_000);
});

describeWithRedis('WORKERS=2 whose workers cannot start', 'redis-server-binary', () => {
  let redis: RedisServer;
  let dir: string;
  beforeAll(async () => {
    redis = await startRedisServer();
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-workers-'));
  });
  afterAll(async () => {
    await redis?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('logs why, as a JSON line naming the worker (the primary only sees its exit code)', async () => {
    await writeFile(join(dir, 'clients.json'), '[{"client_id": ');
    const [port, apiPort] = [await freePort(), await freePort()];
    const { code, stdout, stderr } = await runMain({
      WORKERS: '2', REDIS_URL: redis.url, NODE_ENV: 'development', LOG_LEVEL: 'info', PORT: String(port), API_PORT: String(apiPort),
      DATA_DIR: join(dir, 'data'), CLIENTS_FILE: join(dir, 'clients.json'),
    });
    expect(code).toBe(1);
    expect(stderr).toBe('');
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const reason = lines.find((line) => line['msg'] === 'failed to start: invalid configuration');
    expect(reason).toMatchObject({ level: 60, worker: expect.any(Number), problems: [expect.stringContaining('clients.json')] });
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'a worker failed to start; stopping the cluster' }));
  }, 30_000);
});
