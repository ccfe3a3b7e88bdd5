import { parseArgs } from 'node:util';
import type { BenchOptions } from './run.ts';
import { scenarioPlans, type ScenarioId } from './scenarios.ts';

/** Seconds of warm-up, seconds measured and rounds, when not given: a full run, or --quick. */
export function defaultTiming(quick: boolean): { warmupS: number; seconds: number; rounds: number } {
  return quick ? { warmupS: 1, seconds: 1, rounds: 1 } : { warmupS: 5, seconds: 8, rounds: 8 };
}

/** A command line the benchmark cannot run: said in one line, before any server starts. */
export class BenchUsageError extends Error {}

/**
 * `npm run bench` options, checked. autocannon measures in 1-second ticks: a window of less
 * than a second runs a whole second anyway, so seconds, rounds and warm-up are whole seconds,
 * and each round gets a whole number of them.
 */
export function parseBenchArgs(args: readonly string[], deps: { hasRedisServer: () => boolean; defaultOutDir: string }): Omit<BenchOptions, 'log'> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        quick: { type: 'boolean', default: false },
        store: { type: 'string', default: 'both' },
        seconds: { type: 'string' },
        warmup: { type: 'string' },
        rounds: { type: 'string' },
        connections: { type: 'string' },
        only: { type: 'string' },
        profile: { type: 'boolean', default: false },
        out: { type: 'string', default: deps.defaultOutDir },
      },
    }));
  } catch (error) {
    throw new BenchUsageError((error as Error).message);
  }
  const store = values.store;
  if (store !== 'both' && store !== 'memory' && store !== 'redis') throw new BenchUsageError('--store must be both, redis or memory');
  if (store === 'redis' && !deps.hasRedisServer()) throw new BenchUsageError('--store=redis needs a redis-server binary on PATH (apt-get install redis-server)');
  const whole = (name: string, raw: string | undefined, min: number, max: number) => {
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) throw new BenchUsageError(`--${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
    return value;
  };
  const seconds = whole('seconds', values.seconds, 1, 600);
  const rounds = whole('rounds', values.rounds, 1, 100);
  const warmupS = whole('warmup', values.warmup, 0, 600);
  const connections = whole('connections', values.connections, 1, 1000);
  const defaults = defaultTiming(values.quick);
  const [measured, turns] = [seconds ?? defaults.seconds, rounds ?? defaults.rounds];
  if (measured % turns !== 0) throw new BenchUsageError(`--seconds (${measured}) must be a whole multiple of --rounds (${turns}): each round is whole seconds`);
  const valid = scenarioPlans(['redis']).map((plan) => plan.id);
  const only = values.only?.split(',').map((id) => id.trim()) as ScenarioId[] | undefined;
  for (const id of only ?? []) if (!valid.includes(id)) throw new BenchUsageError(`--only: unknown scenario "${id}" (one of ${valid.join(', ')})`);
  return {
    quick: values.quick,
    store,
    ...(seconds !== undefined ? { seconds } : {}),
    ...(warmupS !== undefined ? { warmupS } : {}),
    ...(rounds !== undefined ? { rounds } : {}),
    ...(connections !== undefined ? { connections } : {}),
    ...(only ? { only } : {}),
    profile: values.profile,
    outDir: values.out,
  };
}
