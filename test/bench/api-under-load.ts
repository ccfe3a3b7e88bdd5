/**
 * Does the protected API keep answering while the authorization server is busy? Starts ours as
 * `npm start` runs it (one process, the API in its own thread, the embedded store) and measures,
 * each for BENCH_SECONDS after a warm-up: the API alone, client_credentials alone, then both at once.
 * Each load comes from an autocannon process of its own, so neither load generator waits on the
 * other. On a host with few cores the load generators take CPU from the server: compare the
 * figures of one run with each other, not with another machine's.
 *
 *   npm run bench:api-under-load          (BENCH_SECONDS=8, BENCH_CONNECTIONS=8 per load by default)
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { basicAuth, discover, tokenRequest } from './oauth-client.ts';
import { BENCH_CLIENT, OPAQUE_RESOURCE, REPO_DIR, startOurs } from './targets.ts';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 8);
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 8);

interface Figures { perSecond: number; p99Ms: number; non2xx: number }

/** One autocannon run in its own process, read from its JSON summary. */
function autocannon(args: string[], duration: number): Promise<Figures> {
  return new Promise((resolve, reject) => {
    execFile(join(REPO_DIR, 'node_modules/.bin/autocannon'), ['--json', '--connections', String(connections), '--duration', String(duration), ...args], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => {
      if (error) return reject(error);
      const result = JSON.parse(stdout) as { requests: { average: number }; latency: { p99: number }; non2xx: number; errors: number };
      resolve({ perSecond: Math.round(result.requests.average), p99Ms: result.latency.p99, non2xx: result.non2xx + result.errors });
    });
  });
}

const workDir = await mkdtemp(join(tmpdir(), 'gatehouse-bench-'));
const ours = await startOurs({ workDir, name: 'gatehouse (memory)', store: 'memory' });
try {
  const endpoints = await discover(ours.issuer!);
  const apiToken = await tokenRequest(endpoints, BENCH_CLIENT, { grant_type: 'client_credentials', scope: 'api:read', resource: ours.apiUrl! });
  const api = (duration: number) => autocannon(['--header', `authorization=Bearer ${apiToken['access_token']}`, `${ours.apiUrl}/protected`], duration);
  const tokens = (duration: number) => autocannon([
    '--method', 'POST', '--header', `authorization=${basicAuth(BENCH_CLIENT)}`, '--header', 'content-type=application/x-www-form-urlencoded',
    '--body', new URLSearchParams({ grant_type: 'client_credentials', scope: OPAQUE_RESOURCE.scope, resource: OPAQUE_RESOURCE.audience }).toString(),
    endpoints.token,
  ], duration);

  // Warm-up: both at once, for up to 2 s.
  await Promise.all([api(Math.min(2, seconds)), tokens(Math.min(2, seconds))]);
  const apiAlone = await api(seconds);
  const tokensAlone = await tokens(seconds);
  const [apiTogether, tokensTogether] = await Promise.all([api(seconds), tokens(seconds)]);

  const line = (name: string, alone: Figures, together: Figures) =>
    `| ${name} | ${alone.perSecond} req/s, p99 ${alone.p99Ms} ms | ${together.perSecond} req/s, p99 ${together.p99Ms} ms | ${(together.perSecond / alone.perSecond).toFixed(2)}× |`;
  process.stdout.write([
    `${seconds} s each, ${connections} connections per load, load generators on this host`,
    '',
    '| load | alone | both at once | kept |',
    '| --- | --- | --- | --- |',
    line('GET /protected (JWT)', apiAlone, apiTogether),
    line('client_credentials (opaque)', tokensAlone, tokensTogether),
    '',
  ].join('\n'));
  const failures = [apiAlone, tokensAlone, apiTogether, tokensTogether].reduce((sum, run) => sum + run.non2xx, 0);
  if (failures > 0) throw new Error(`${failures} requests failed or answered other than 2xx`);
} finally {
  await ours.process.stop();
  await rm(workDir, { recursive: true, force: true });
}
