import type { KeyKindUsage } from './redis-footprint.ts';
import type { ScenarioId, ScenarioPlan } from './scenarios.ts';

export interface RunRow {
  scenario: ScenarioId;
  target: string;
  role: 'ours' | 'baseline';
  unit: 'req/s' | 'flows/s';
  /** Set when the row could not run (e.g. needs Redis); no figures then. */
  skipped?: string;
  perSecond?: number;
  operations?: number;
  seconds?: number;
  p50Ms?: number;
  p99Ms?: number;
  failures?: number;
  /** Server CPU (user+system, all its processes) during the measured window. */
  cpuSeconds?: number;
  /** Operations per second of server CPU: throughput per core actually used. */
  perCpuSecond?: number;
  rssPeakMB?: number;
  /** Each measured round's figures, in the order the rounds ran. */
  rounds?: RoundFigures[];
}

export interface RoundFigures {
  perSecond: number;
  perCpuSecond: number;
}

export interface Ratio {
  scenario: ScenarioId;
  ours: string;
  baseline: string;
  /** ours / baseline throughput: the median of the rounds' ratios (each round runs both). */
  ratio: number;
  /** The lowest and highest of the rounds' ratios. */
  lowest: number;
  highest: number;
  /** Rounds that had a figure for both. */
  pairs: number;
  /** ours / baseline operations per server CPU-second, median of the rounds: less sensitive to a busy host. */
  cpuRatio: number | undefined;
}

export interface TargetCheck {
  goal: string;
  measured: string;
  met: boolean | 'n/a';
  note?: string;
}

export interface BenchReport {
  startedAt: string;
  durationS: number;
  mode: 'quick' | 'full';
  /** The stores ours ran on, the headline first. */
  stores: ('memory' | 'redis')[];
  timing: { warmupS: number; seconds: number; rounds: number; connections: number; flowConcurrency: number };
  machine: { cpus: number; cpuModel: string; node: string; loadGeneratorOnSameHost: true; loadAverage: { before: number; after: number } };
  scenarios: ScenarioPlan[];
  runs: RunRow[];
  ratios: Ratio[];
  targets: TargetCheck[];
  passwordHash: { memoryKiB: number; passes: number; medianMs: number; perCoreSecond: number } | undefined;
  memory: { target: string; idleMB: number; peakMB: number }[];
  redis: {
    perClientCredentialsToken?: { bytes: number; keys: number };
    perAuthorizationCodeFlow?: { bytes: number; keys: number };
    byKind?: KeyKindUsage[];
    skipped?: string;
  };
  profile?: { file: string; functions: { name: string; percent: number; samples: number }[]; packages: { name: string; percent: number; samples: number }[] } | undefined;
  notes: string[];
}

const fmt = (value: number | undefined, digits = 0) => (value === undefined ? '' : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

export function toMarkdown(report: BenchReport): string {
  const lines: string[] = [];
  lines.push(`# Gatehouse benchmark (${report.mode}, ours on ${report.stores.join(' and ')})`, '');
  lines.push(`${report.startedAt}: ${report.machine.cpus} CPUs (${report.machine.cpuModel}), Node ${report.machine.node}, `
    + `load average ${report.machine.loadAverage.before} at the start and ${report.machine.loadAverage.after} at the end. `
    + `Each server: ${report.timing.warmupS} s warm-up, ${report.timing.seconds} s measured in ${report.timing.rounds} round(s) of alternating order (the scenario's servers take turns), ${report.timing.connections} connections `
    + `(${report.timing.flowConcurrency} concurrent flows). The load generator runs on the same host, so servers compete with it for the CPUs. Total ${Math.round(report.durationS)} s.`, '');

  lines.push('## Targets', '', '| goal | measured | met |', '| --- | --- | --- |');
  for (const target of report.targets) lines.push(`| ${target.goal} | ${target.measured}${target.note ? ` (${target.note})` : ''} | ${target.met === 'n/a' ? 'n/a' : target.met ? 'yes' : '**no**'} |`);

  lines.push('', '## Ratios (ours / baseline)', '',
    'Each round runs ours and its baseline within seconds of each other, in alternating order; a ratio is the median of the rounds\' ratios, with the lowest and highest round next to it. '
    + 'Throughput is what the targets use. Per CPU-second compares the work each server does per request, and moves less when other processes compete for the host.', '',
    '| scenario | ours | baseline | throughput | rounds: lowest–highest | per CPU-second |', '| --- | --- | --- | --- | --- | --- |');
  for (const ratio of report.ratios) {
    lines.push(`| ${ratio.scenario} | ${ratio.ours} | ${ratio.baseline} | ${fmt(ratio.ratio, 2)}× | ${ratio.pairs > 1 ? `${fmt(ratio.lowest, 2)}–${fmt(ratio.highest, 2)} (${ratio.pairs})` : ''} | ${ratio.cpuRatio === undefined ? '' : `${fmt(ratio.cpuRatio, 2)}×`} |`);
  }

  lines.push('', '## Runs', '');
  for (const plan of report.scenarios) {
    lines.push(`### ${plan.id}: ${plan.title}`, '', `| server | ${plan.unit} | p50 ms | p99 ms | failures | server CPU s | per CPU-second | RSS peak MB |`, '| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const row of report.runs.filter((run) => run.scenario === plan.id)) {
      if (row.skipped) lines.push(`| ${row.target} | skipped: ${row.skipped} | | | | | | |`);
      else lines.push(`| ${row.target} | ${fmt(row.perSecond, row.unit === 'flows/s' ? 1 : 0)} | ${fmt(row.p50Ms, 2)} | ${fmt(row.p99Ms, 2)} | ${row.failures} | ${fmt(row.cpuSeconds, 2)} | ${fmt(row.perCpuSecond, row.unit === 'flows/s' ? 1 : 0)} | ${fmt(row.rssPeakMB)} |`);
    }
    lines.push('');
  }

  lines.push('## Memory', '', '| server | RSS idle MB | RSS peak MB |', '| --- | --- | --- |');
  for (const entry of report.memory) lines.push(`| ${entry.target} | ${fmt(entry.idleMB)} | ${fmt(entry.peakMB)} |`);
  lines.push('');
  if (report.redis.skipped) lines.push(`Redis bytes per stored record: ${report.redis.skipped}.`);
  else {
    const cc = report.redis.perClientCredentialsToken;
    const flow = report.redis.perAuthorizationCodeFlow;
    if (cc) lines.push(`Redis: ${fmt(cc.bytes)} bytes (${cc.keys} keys) per client_credentials token.`);
    if (flow) lines.push(`Redis: ${fmt(flow.bytes)} bytes (${flow.keys} keys) per authorization-code flow (session, grant, code, access and refresh token).`);
    if (report.redis.byKind?.length) {
      lines.push('', 'MEMORY USAGE per key kind (bytes, including the key name and Redis\'s per-key overhead), over what the run left in Redis:', '',
        '| key | keys | sampled | mean bytes | max bytes |', '| --- | --- | --- | --- | --- |');
      for (const kind of report.redis.byKind) lines.push(`| \`${kind.kind}\` | ${fmt(kind.keys)} | ${fmt(kind.sampled)} | ${fmt(kind.meanBytes)} | ${fmt(kind.maxBytes)} |`);
    }
  }
  if (report.passwordHash) {
    const hash = report.passwordHash;
    lines.push('', `## Password hash`, '', `argon2id m=${hash.memoryKiB} KiB, t=${hash.passes}, p=1 (the production default): ${fmt(hash.medianMs, 1)} ms per verification, so at most ${fmt(hash.perCoreSecond)} sign-ins per core-second from the hash alone.`);
  }
  if (report.profile) {
    lines.push('', `## CPU profile of our server (${report.profile.file})`, '', 'Self time as a share of the busy (non-idle) samples of the main thread.', '', '| package | self % |', '| --- | --- |');
    for (const entry of report.profile.packages.slice(0, 12)) lines.push(`| ${entry.name} | ${entry.percent} |`);
    lines.push('', '| function | self % |', '| --- | --- |');
    for (const entry of report.profile.functions.slice(0, 20)) lines.push(`| \`${entry.name}\` | ${entry.percent} |`);
  }
  if (report.notes.length) lines.push('', '## Notes', '', ...report.notes.map((note) => `- ${note}`));
  return `${lines.join('\n')}\n`;
}
