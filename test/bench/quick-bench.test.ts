import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDist } from '../helpers/build-dist.ts';
import { hasRedisServerBinary } from '../helpers/redis-server.ts';
import { runBench } from './run.ts';
import { oursName, scenarioPlans, WORKERS_NAME } from './scenarios.ts';
import type { StoreKind } from './targets.ts';

// Keeps the benchmark's wiring from rotting: every scenario runs against every server for a
// fraction of a second, ours on both stores as `npm run bench` runs it (the embedded store
// alone when there is no redis-server binary). It asserts the report's shape, never speeds.
const stores: StoreKind[] = hasRedisServerBinary() ? ['redis', 'memory'] : ['memory'];
let outDir: string;
beforeAll(async () => {
  await buildDist();
  outDir = await mkdtemp(join(tmpdir(), 'gatehouse-bench-'));
}, 120_000);
afterAll(() => rm(outDir, { recursive: true, force: true }));

describe('npm run bench -- --quick', () => {
  it('runs every scenario against ours and each baseline and writes the Markdown and JSON report', async () => {
    const { report, markdownPath, jsonPath } = await runBench({
      quick: true, store: 'both', seconds: 0.3, warmupS: 0, rounds: 1, connections: 4, outDir, log: () => undefined,
    });
    expect(report.stores).toEqual(stores);

    for (const plan of scenarioPlans(stores)) {
      const rows = report.runs.filter((run) => run.scenario === plan.id);
      if (plan.skipped) {
        expect(stores).not.toContain('redis');
        expect(rows).toEqual([expect.objectContaining({ target: WORKERS_NAME, skipped: expect.stringContaining('Redis') })]);
        continue;
      }
      expect(rows.map((row) => row.target)).toEqual([...plan.ours, ...plan.baselines]);
      for (const row of rows) {
        expect(row.failures).toBe(0);
        expect(row.operations).toBeGreaterThan(0);
      }
      for (const ours of plan.ours) {
        for (const baseline of plan.baselines) expect(report.ratios).toContainEqual(expect.objectContaining({ scenario: plan.id, ours, baseline }));
      }
    }
    // The headline store runs every scenario; the other only those that touch the store.
    expect(report.runs.filter((run) => run.target === oursName(stores[0]!) && run.role === 'ours').map((run) => run.scenario))
      .toEqual(['cc-opaque', 'cc-jwt', 'introspection', 'refresh', 'auth-code-flow', 'protected-api']);
    expect(report.targets.every((target) => target.met !== 'n/a' || target.goal.startsWith('WORKERS'))).toBe(true);
    expect(report.passwordHash?.medianMs).toBeGreaterThan(0);
    expect(report.memory.map((entry) => entry.target)).toEqual(expect.arrayContaining([...stores.map(oursName), 'bare oidc-provider', '@node-oauth/oauth2-server', 'koa hello-world']));
    if (stores.includes('redis')) {
      expect(report.redis.perClientCredentialsToken?.bytes).toBeGreaterThan(0);
      expect(report.redis.byKind?.map((kind) => kind.kind)).toEqual(expect.arrayContaining(['ClientCredentials:{…}', 'AccessToken:{…}', 'RefreshToken:{…}', 'Grant:{…}', 'Session:{…}']));
      expect(report.targets.find((target) => target.goal.startsWith('WORKERS'))?.met).not.toBe('n/a');
    }

    const markdown = await readFile(markdownPath, 'utf8');
    for (const plan of scenarioPlans(stores)) expect(markdown).toContain(`### ${plan.id}:`);
    expect(JSON.parse(await readFile(jsonPath, 'utf8'))).toMatchObject({ mode: 'quick', stores });
  }, 240_000);
});
