import { median, roundTo } from '../helpers/stats.ts';
import type { Ratio, RoundFigures, RunRow } from './report.ts';
import type { ScenarioId, ScenarioPlan } from './scenarios.ts';

/**
 * Ours against each baseline, round by round: a round runs both within seconds of each other, so
 * the host's drift (other tenants, CPU frequency) moves both. The ratio is the median of the
 * rounds' ratios, and the lowest and highest show how much one round can mislead.
 */
export function computeRatios(runs: RunRow[], plans: ScenarioPlan[]): Ratio[] {
  const find = (scenario: ScenarioId, target: string) => runs.find((run) => run.scenario === scenario && run.target === target && !run.skipped);
  const ratios: Ratio[] = [];
  for (const plan of plans) {
    for (const oursTarget of plan.ours) {
      const ours = find(plan.id, oursTarget);
      for (const baseline of plan.baselines) {
        const other = find(plan.id, baseline);
        if (!ours?.rounds?.length || !other?.rounds?.length) continue;
        const paired = (pick: (round: RoundFigures) => number) => ours.rounds!.flatMap((mine, index) => {
          const theirs = other.rounds![index];
          return theirs && pick(mine) > 0 && pick(theirs) > 0 ? [pick(mine) / pick(theirs)] : [];
        });
        const throughput = paired((round) => round.perSecond);
        const perCpu = paired((round) => round.perCpuSecond);
        if (throughput.length === 0) continue;
        ratios.push({
          scenario: plan.id, ours: oursTarget, baseline,
          ratio: roundTo(median(throughput), 2),
          lowest: roundTo(Math.min(...throughput), 2),
          highest: roundTo(Math.max(...throughput), 2),
          pairs: throughput.length,
          cpuRatio: perCpu.length ? roundTo(median(perCpu), 2) : undefined,
        });
      }
    }
  }
  return ratios;
}
