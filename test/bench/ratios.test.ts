import { describe, expect, it } from '@jest/globals';
import { computeRatios } from './ratios.ts';
import { combine, type Part } from './run.ts';
import type { RunRow } from './report.ts';
import type { ScenarioPlan } from './scenarios.ts';

const plan: ScenarioPlan = { id: 'cc-opaque', title: 'client_credentials', unit: 'req/s', ours: ['ours'], baselines: ['bare'] };
const row = (target: string, perSecond: number[], perCpuSecond = perSecond): RunRow => ({
  scenario: 'cc-opaque', target, role: target === 'ours' ? 'ours' : 'baseline', unit: 'req/s',
  rounds: perSecond.map((value, index) => ({ perSecond: value, perCpuSecond: perCpuSecond[index]! })),
});

describe('bench ratios', () => {
  it('pairs each round of ours with the same round of its baseline and reports the median', () => {
    // The host got twice as fast halfway through: the totals would say 0.75×, each round says 0.5×–1×.
    const [ratio] = computeRatios([row('ours', [500, 400, 1000, 2000]), row('bare', [1000, 800, 2000, 2000])], [plan]);
    expect(ratio).toMatchObject({ scenario: 'cc-opaque', ours: 'ours', baseline: 'bare', ratio: 0.5, lowest: 0.5, highest: 1, pairs: 4 });
  });

  it('takes the middle round of an odd count, and the CPU ratio from the rounds as well', () => {
    const [ratio] = computeRatios([row('ours', [90, 50, 70], [30, 40, 50]), row('bare', [100, 100, 100], [100, 100, 100])], [plan]);
    expect(ratio).toMatchObject({ ratio: 0.7, lowest: 0.5, highest: 0.9, cpuRatio: 0.4 });
  });

  it('leaves out a round one side has no figure for, and a pair with nothing measured', () => {
    expect(computeRatios([row('ours', [80, 60]), row('bare', [100])], [plan])[0]).toMatchObject({ ratio: 0.8, pairs: 1 });
    expect(computeRatios([row('ours', [80]), row('bare', [0])], [plan])).toEqual([]);
    expect(computeRatios([row('ours', [80]), { ...row('bare', [100]), skipped: 'needs Redis' }], [plan])).toEqual([]);
  });
});

describe('bench rounds of one server', () => {
  const part = (operations: number, p50: number, p99: number): Part => ({
    result: { operations, seconds: 1, perSecond: operations, latency: { p50, p90: p99, p99, max: p99 * 2 }, failures: 0 },
    cpuSeconds: 0.5,
    rssPeak: 100 * 1048576,
  });

  it('sums operations and time, and reports the highest round\'s p99: one slow round is not averaged away', () => {
    const row = combine('cc-opaque', 'req/s', 'ours', 'ours', [part(1000, 2, 10), part(1000, 2, 10), part(1000, 2, 10), part(600, 3, 40)]);
    expect(row).toMatchObject({ operations: 3600, seconds: 4, perSecond: 900, p99Ms: 40, p50Ms: 2.25, cpuSeconds: 2, perCpuSecond: 1800 });
  });
});
