// `npm run bench`: starts every server it compares on loopback, runs each scenario against ours
// and its baselines in one invocation, and writes a Markdown + JSON report.
// Options: --quick (about 40 s), --store=both|redis|memory, --seconds=N, --warmup=N, --rounds=N, --connections=N,
// --only=cc-opaque,refresh,..., --profile (V8 CPU profile of our server), --out=DIR.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchUsageError, defaultTiming, parseBenchArgs } from './options.ts';
import { measurePasswordHash } from './password-hash-cost.ts';
import { summarizeCpuProfile } from './profile-summary.ts';
import { startRedis, type ServerProcess } from './processes.ts';
import { Redis } from 'ioredis';
import { bytesPerOperation, keyUsageByKind } from './redis-footprint.ts';
import { hasRedisServerBinary } from '../helpers/redis-server.ts';
import { roundTo as round } from '../helpers/stats.ts';
import { computeRatios } from './ratios.ts';
import { toMarkdown, type BenchReport, type Ratio, type RunRow, type TargetCheck } from './report.ts';
import type { LoadResult } from './load.ts';
import { oursName, prepareLoad, scenarioPlans, WORKERS_NAME, type Load, type ScenarioId, type Timing } from './scenarios.ts';
import { authorizationCodeFlow, discover, tokenRequest } from './oauth-client.ts';
import { BENCH_CLIENT, BENCH_USER, OPAQUE_RESOURCE, startBareProvider, startKoaHello, startOAuth2Server, startOurs, type StoreKind, type Target } from './targets.ts';

export interface BenchOptions {
  quick: boolean;
  /**
   * Which stores ours runs on: both (the default: Redis is the headline, memory shows what the
   * store costs), or one of them. Without a redis-server binary, "both" runs memory only.
   */
  store: StoreKind | 'both';
  /** Measured seconds per run, warm-up seconds before it (defaults depend on quick). */
  seconds?: number;
  warmupS?: number;
  /**
   * Measured windows per target, alternating the order (the measured seconds are split among
   * them). Each round pairs ours with its baseline, and a ratio is the median of the rounds'.
   */
  rounds?: number;
  connections?: number;
  only?: ScenarioId[];
  profile?: boolean;
  outDir: string;
  /** Progress lines; `transient` ones may be overwritten by the next. */
  log: (line: string, transient?: boolean) => void;
}

const PRODUCTION_HASH = { memoryKiB: 19456, passes: 2 };

export async function runBench(options: BenchOptions): Promise<{ report: BenchReport; markdownPath: string; jsonPath: string }> {
  const started = Date.now();
  const defaults = defaultTiming(options.quick);
  const timing: Timing = {
    warmupS: options.warmupS ?? defaults.warmupS,
    seconds: options.seconds ?? defaults.seconds,
    rounds: options.rounds ?? defaults.rounds,
    connections: options.connections ?? 16,
    flowConcurrency: 8,
  };
  const stamp = new Date(started).toISOString().replace(/[:.]/g, '-');
  const workDir = join(options.outDir, `run-${stamp}`);
  const profileDir = options.profile ? join(workDir, 'profile') : undefined;
  await mkdir(workDir, { recursive: true });

  const notes: string[] = [];
  const stores = storesToRun(options.store, notes);
  const plans = scenarioPlans(stores).filter((plan) => !options.only || options.only.includes(plan.id));
  const runs: RunRow[] = [];
  const processes: ServerProcess[] = [];
  const memory = new Map<string, { idleMB: number; peakMB: number }>();
  const mb = (bytes: number) => Math.round(bytes / 1048576);
  let redisReport: BenchReport['redis'] = {};
  let passwordHash: BenchReport['passwordHash'];
  const loadBefore = loadavg()[0]!;

  try {
    options.log(`starting servers (ours on: ${stores.join(', ')})`);
    const redis = stores.includes('redis') ? await startRedis(join(workDir, 'redis.log')) : undefined;
    if (redis) processes.push(redis);
    const targets = new Map<string, Target>();
    for (const store of stores) {
      const name = oursName(store);
      const ours = await startOurs({ workDir, name, store, redisUrl: redis?.url, cpuProfileDir: profileDir && join(profileDir, store) });
      processes.push(ours.process);
      targets.set(name, ours);
    }
    const headline = targets.get(oursName(stores[0]!))!;
    const needed = new Set(plans.flatMap((plan) => plan.baselines));
    if (needed.has('bare oidc-provider')) targets.set('bare oidc-provider', await startBareProvider(workDir, headline.apiUrl!, profileDir && join(profileDir, 'bare-oidc-provider')));
    if (needed.has('@node-oauth/oauth2-server')) targets.set('@node-oauth/oauth2-server', await startOAuth2Server(workDir));
    if (needed.has('koa hello-world')) targets.set('koa hello-world', await startKoaHello(workDir));
    for (const target of targets.values()) if (!processes.includes(target.process)) processes.push(target.process);
    for (const target of targets.values()) memory.set(target.name, { idleMB: mb(await target.process.rssBytes()), peakMB: 0 });

    for (const plan of plans) {
      options.log(`\n${plan.id}: ${plan.title}`);
      if (plan.skipped) {
        for (const name of plan.ours) runs.push({ scenario: plan.id, target: name, role: 'ours', unit: plan.unit, skipped: plan.skipped });
        options.log(`  skipped: ${plan.skipped}`);
        continue;
      }
      const active: { name: string; role: RunRow['role']; target: Target; load: Load; parts: Part[]; temporary: boolean }[] = [];
      for (const name of [...plan.ours, ...plan.baselines]) {
        let target = targets.get(name);
        const temporary = name === WORKERS_NAME;
        if (temporary) {
          // A second deployment of the same system: same Redis, same development keys.
          const single = targets.get(oursName('redis'))!;
          target = await startOurs({ workDir, name, store: 'redis', redisUrl: redis!.url, workers: 2, dataDir: single.dataDir });
          processes.push(target.process);
          memory.set(name, { idleMB: mb(await target.process.rssBytes()), peakMB: 0 });
        }
        active.push({ name, role: plan.ours.includes(name) ? 'ours' : 'baseline', target: target!, load: await prepareLoad(plan.id, target!, timing, headline.apiUrl!), parts: [], temporary });
      }
      // Rounds alternate the order (ours first, then last), so a host that gets busier or
      // quieter during the scenario does not favour whoever runs in the quiet part.
      for (let round_ = 0; round_ < timing.rounds; round_++) {
        const order = round_ % 2 === 0 ? active : [...active].reverse();
        for (const entry of order) {
          const say = (line: string) => options.log(`  ${entry.name}${timing.rounds > 1 ? ` (round ${round_ + 1}/${timing.rounds})` : ''}: ${line}`, true);
          if (round_ === 0 && timing.warmupS > 0) await entry.load(timing.warmupS, (line) => say(`warm-up ${line}`));
          entry.parts.push(await measure(entry.target, entry.load, timing.seconds / timing.rounds, say));
        }
      }
      for (const entry of active) {
        const row = combine(plan.id, plan.unit, entry.role, entry.name, entry.parts);
        runs.push(row);
        options.log(`  ${entry.name}: ${row.perSecond} ${plan.unit}, p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms, ${row.failures} failures, ${row.perCpuSecond} per CPU-second`);
        const seen = memory.get(entry.name) ?? { idleMB: 0, peakMB: 0 };
        memory.set(entry.name, { ...seen, peakMB: Math.max(seen.peakMB, row.rssPeakMB ?? 0) });
        if (entry.temporary) await entry.target.process.stop();
      }
    }

    options.log('\npassword hash at production settings');
    passwordHash = await measurePasswordHash(PRODUCTION_HASH, options.quick ? 3 : 15);

    if (redis) {
      options.log('Redis bytes per stored record');
      // On a fresh instance of ours (same Redis, same keys), after the measured one has stopped:
      // its CPU profile (--profile) then covers the scenarios and nothing else.
      const measured = targets.get(oursName('redis'))!;
      await measured.process.stop();
      const fresh = await startOurs({ workDir, name: 'gatehouse footprint (Redis)', store: 'redis', redisUrl: redis.url, dataDir: measured.dataDir });
      processes.push(fresh.process);
      redisReport = await measureRedisFootprint(redis.url, fresh, options.quick);
    } else {
      redisReport = { skipped: 'ours did not run on Redis' };
    }
  } finally {
    for (const process_ of processes.reverse()) await process_.stop();
  }

  let profile: BenchReport['profile'];
  if (profileDir) {
    // The headline's profile is summarised; the others (memory, bare oidc-provider) sit next to it.
    const dir = join(profileDir, stores[0]!);
    const files = (await readdir(dir).catch(() => [])).filter((file) => file.endsWith('.cpuprofile'));
    if (files[0]) profile = { file: join(dir, files[0]), ...(await summarizeCpuProfile(join(dir, files[0]))) };
    else notes.push('--profile: no .cpuprofile was written');
  }

  const ratios = computeRatios(runs, plans);
  const report: BenchReport = {
    startedAt: new Date(started).toISOString(),
    durationS: (Date.now() - started) / 1000,
    mode: options.quick ? 'quick' : 'full',
    stores,
    timing,
    machine: {
      cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.versions.node, loadGeneratorOnSameHost: true,
      loadAverage: { before: round(loadBefore, 2), after: round(loadavg()[0]!, 2) },
    },
    scenarios: plans,
    runs,
    ratios,
    targets: checkTargets(runs, ratios, stores, timing),
    passwordHash,
    memory: [...memory].map(([target, entry]) => ({ target, ...entry })),
    redis: redisReport,
    profile,
    notes: [
      ...notes,
      'per CPU-second = operations divided by the server\'s own CPU time (all its processes and threads, including the password hash on the libuv pool): throughput per core actually used.',
      ...(stores.includes('redis') ? [] : ['ours ran on the embedded store only: the production store (Redis) was not measured']),
    ],
  };
  const markdownPath = join(workDir, 'report.md');
  const jsonPath = join(workDir, 'report.json');
  await writeFile(markdownPath, toMarkdown(report));
  await writeFile(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  return { report, markdownPath, jsonPath };
}

export interface Part {
  result: LoadResult;
  cpuSeconds: number;
  rssPeak: number;
}

/** One measured window: the load's result, the server's CPU time and its peak RSS meanwhile. */
async function measure(target: Target, load: Load, seconds: number, say: (line: string) => void): Promise<Part> {
  let rssPeak = await target.process.rssBytes();
  const sampler = setInterval(() => {
    target.process.rssBytes().then((rss) => (rssPeak = Math.max(rssPeak, rss)), () => undefined);
  }, 250);
  const cpuBefore = await target.process.cpuSeconds();
  const result = await load(seconds, say).finally(() => clearInterval(sampler));
  const cpuSeconds = (await target.process.cpuSeconds()) - cpuBefore;
  return { result, cpuSeconds, rssPeak };
}

/**
 * Rounds of one target summed (operations, seconds, CPU). p50 is the rounds' mean; p99 is the
 * highest round's, a bound on the whole window's (no round had more than 1% of its requests
 * above it), so that one slow round is not averaged away. Each round's own throughput is kept:
 * ratios pair it with the baseline's in that round.
 */
export function combine(scenario: ScenarioId, unit: RunRow['unit'], role: RunRow['role'], name: string, parts: Part[]): RunRow {
  const sum = (pick: (part: Part) => number) => parts.reduce((total, part) => total + pick(part), 0);
  const mean = (pick: (part: Part) => number) => sum(pick) / parts.length;
  const perCpuSecond = (operations: number, cpuSeconds: number) => (cpuSeconds > 0 ? round(operations / cpuSeconds, 1) : 0);
  const operations = sum((part) => part.result.operations);
  const seconds = sum((part) => part.result.seconds);
  const cpuSeconds = sum((part) => part.cpuSeconds);
  return {
    scenario, target: name, role, unit,
    perSecond: round(operations / seconds, 1),
    operations,
    seconds: round(seconds, 2),
    p50Ms: round(mean((part) => part.result.latency.p50), 2),
    p99Ms: round(Math.max(...parts.map((part) => part.result.latency.p99)), 2),
    failures: sum((part) => part.result.failures),
    cpuSeconds: round(cpuSeconds, 2),
    perCpuSecond: perCpuSecond(operations, cpuSeconds),
    rssPeakMB: Math.round(Math.max(...parts.map((part) => part.rssPeak)) / 1048576),
    rounds: parts.map((part) => ({
      perSecond: round(part.result.perSecond, 1),
      perCpuSecond: perCpuSecond(part.result.operations, part.cpuSeconds),
    })),
  };
}

/** Issue 6's speed goals, checked on the headline store (Redis), with the embedded store's figure where it differs. */
function checkTargets(runs: RunRow[], ratios: Ratio[], stores: readonly StoreKind[], timing: Timing): TargetCheck[] {
  const headline = oursName(stores[0]!);
  const find = (scenario: ScenarioId, ours: string, baseline: string) => ratios.find((r) => r.scenario === scenario && r.ours === ours && r.baseline === baseline);
  const cpuNote = (scenario: ScenarioId, ours: string, baseline: string) => {
    const ratio = find(scenario, ours, baseline);
    return [
      ratio && ratio.pairs > 1 ? `rounds ${ratio.lowest}–${ratio.highest}` : undefined,
      ratio?.cpuRatio === undefined ? undefined : `${ratio.cpuRatio}× per CPU-second`,
    ].filter(Boolean).join('; ');
  };
  const run = (scenario: ScenarioId, target = headline) => runs.find((r) => r.scenario === scenario && r.target === target && !r.skipped);
  const checks: TargetCheck[] = [];
  const add = (goal: string, value: number | undefined, met: (value: number) => boolean, show: (value: number) => string, note?: string) => {
    checks.push(value === undefined ? { goal, measured: 'not run', met: 'n/a', ...(note ? { note } : {}) } : { goal, measured: show(value), met: met(value), ...(note ? { note } : {}) });
  };
  for (const store of stores) {
    const ours = oursName(store);
    add(`client_credentials ≥ 0.9× bare oidc-provider (in-memory), ours on ${store === 'redis' ? 'Redis' : 'the embedded store'}`,
      find('cc-opaque', ours, 'bare oidc-provider')?.ratio, (v) => v >= 0.9, (v) => `${v}×`, cpuNote('cc-opaque', ours, 'bare oidc-provider'));
  }
  for (const store of stores) {
    const ours = oursName(store);
    add(`client_credentials p99 < 25 ms at ${timing.connections} connections, ours on ${store === 'redis' ? 'Redis' : 'the embedded store'}`,
      run('cc-opaque', ours)?.p99Ms, (v) => v < 25, (v) => `${v} ms`,
      run('cc-opaque', 'bare oidc-provider') ? `bare oidc-provider: ${run('cc-opaque', 'bare oidc-provider')!.p99Ms} ms` : undefined);
  }
  const opaque = run('cc-opaque')?.perSecond;
  const jwt = run('cc-jwt')?.perSecond;
  add('JWT issuance within 2× of opaque (JWT/opaque ≥ 0.5)', opaque && jwt ? round(jwt / opaque, 2) : undefined, (v) => v >= 0.5, (v) => `${v}×`);
  add('full authorization-code flow ≥ 30 flows/s per core (production hash)', run('auth-code-flow')?.perCpuSecond, (v) => v >= 30, (v) => `${v} flows per CPU-second`, run('auth-code-flow') ? `${run('auth-code-flow')!.perSecond} flows/s wall-clock` : undefined);
  add('protected API ≥ 0.6× Koa hello-world', find('protected-api', headline, 'koa hello-world')?.ratio, (v) => v >= 0.6, (v) => `${v}×`, cpuNote('protected-api', headline, 'koa hello-world'));
  const workers = find('cc-opaque-workers', WORKERS_NAME, oursName('redis'))?.ratio;
  add('WORKERS=2 ≥ 1.8× one process (load generator elsewhere)', workers, (v) => v >= 1.8, (v) => `${v}×`,
    workers === undefined ? 'needs Redis' : [
      `the load generator shares this host's ${cpus().length} CPUs with both: this cannot show the scaling of a dedicated host`,
      // Tokens per CPU-second says whether two processes do each token's work as cheaply as one:
      // near 1× they would scale with the cores they get, below it they lose to each other (Redis, locks).
      cpuNote('cc-opaque-workers', WORKERS_NAME, oursName('redis')),
    ].filter(Boolean).join('; '));
  return checks;
}

/** Both stores when a redis-server binary is there to start a throwaway Redis; the headline (Redis) first. */
function storesToRun(requested: BenchOptions['store'], notes: string[]): StoreKind[] {
  if (requested !== 'both') return [requested];
  if (hasRedisServerBinary()) return ['redis', 'memory'];
  notes.push('no redis-server binary on PATH: ours ran on the embedded store only (apt-get install redis-server for the headline figures)');
  return ['memory'];
}

/**
 * What ours stores in Redis: the keys a client_credentials token and a whole flow leave behind,
 * and MEMORY USAGE per key kind over everything the scenarios left behind.
 */
async function measureRedisFootprint(redisUrl: string, ours: Target, quick: boolean): Promise<BenchReport['redis']> {
  const endpoints = await discover(ours.issuer!);
  const cc = await bytesPerOperation(redisUrl, quick ? 200 : 2000, () => tokenRequest(endpoints, BENCH_CLIENT, { grant_type: 'client_credentials', scope: OPAQUE_RESOURCE.scope, resource: OPAQUE_RESOURCE.audience }));
  const flows = await bytesPerOperation(redisUrl, quick ? 10 : 100, () => authorizationCodeFlow(endpoints, BENCH_CLIENT, BENCH_USER, { scope: `openid offline_access ${OPAQUE_RESOURCE.scope}`, resource: OPAQUE_RESOURCE.audience }));
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    return {
      perClientCredentialsToken: { bytes: cc.bytesPerOperation, keys: cc.keysPerOperation },
      perAuthorizationCodeFlow: { bytes: flows.bytesPerOperation, keys: flows.keysPerOperation },
      byKind: await keyUsageByKind(redis, 'gatehouse:'),
    };
  } finally {
    redis.disconnect();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  let options: Omit<BenchOptions, 'log'>;
  try {
    options = parseBenchArgs(process.argv.slice(2), {
      hasRedisServer: hasRedisServerBinary,
      defaultOutDir: fileURLToPath(new URL('./results', import.meta.url)),
    });
    await mkdir(options.outDir, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
      throw new BenchUsageError(`cannot write reports to ${options.outDir} (${error.code ?? error.message})`);
    });
  } catch (error) {
    if (!(error instanceof BenchUsageError)) throw error;
    process.stderr.write(`npm run bench: ${error.message}\n`);
    process.exit(2);
  }
  const tty = process.stderr.isTTY;
  // Exiting runs the exit hook that stops every server this run started.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  const { report, markdownPath, jsonPath } = await runBench({
    ...options,
    log: (line, transient) => {
      if (transient) {
        if (tty) process.stderr.write(`\r\x1b[K${line}`);
      } else process.stderr.write(`${tty ? '\r\x1b[K' : ''}${line}\n`);
    },
  });
  process.stdout.write(`\n${toMarkdown(report)}\nReport: ${markdownPath}\n        ${jsonPath}\n`);
}
