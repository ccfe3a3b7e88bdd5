import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDist } from '../helpers/build-dist.ts';
import { runBench } from './run.ts';
import { scenarioPlans } from './scenarios.ts';

// Keeps the benchmark's wiring from rotting: every scenario runs against every server for a
// fraction of a second. It asserts the report's shape, never speeds.
let outDir: string;
beforeAll(async () => {
  await buildDist();
  outDir = await mkdtemp(join(tmpdir(), 'gatehouse-bench-'));
}, 120_000);
afterAll(() => rm(outDir, { recursive: true, force: true }));

describe('npm run bench -- --quick', () => {
  it('runs every scenario against ours and each baseline and writes the Markdown and JSON report', async () => {
    const { report, markdownPath, jsonPath } = await runBench({
      quick: true, store: 'memory', seconds: 0.3, warmupS: 0, rounds: 1, connections: 4, outDir, log: () => undefined,
    });

    for (const plan of scenarioPlans()) {
      const rows = report.runs.filter((run) => run.scenario === plan.id);
      if (plan.id === 'cc-opaque-workers') {
        expect(rows).toEqual([expect.objectContaining({ target: 'gatehouse WORKERS=2', skipped: expect.stringContaining('Redis') })]);
        continue;
      }
      expect(rows.map((row) => row.target)).toEqual([plan.ours, ...plan.baselines]);
      for (const row of rows) {
        expect(row.failures).toBe(0);
        expect(row.operations).toBeGreaterThan(0);
      }
      for (const baseline of plan.baselines) expect(report.ratios).toContainEqual(expect.objectContaining({ scenario: plan.id, baseline }));
    }
    expect(report.targets.map((target) => target.goal)).toHaveLength(6);
    expect(report.passwordHash?.medianMs).toBeGreaterThan(0);
    expect(report.memory.map((entry) => entry.target)).toEqual(['gatehouse', 'bare oidc-provider', '@node-oauth/oauth2-server', 'koa hello-world']);

    const markdown = await readFile(markdownPath, 'utf8');
    for (const plan of scenarioPlans()) expect(markdown).toContain(`### ${plan.id}:`);
    expect(JSON.parse(await readFile(jsonPath, 'utf8'))).toMatchObject({ mode: 'quick', store: 'memory' });
  }, 180_000);
});
