import { expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { buildDist, REPO_DIR } from '../helpers/build-dist.ts';

// Keeps `npm run bench:api-under-load` from rotting: a one-second run of each phase must finish
// and print a row per load with figures. It asserts the output's shape, never speeds.
it('npm run bench:api-under-load measures each load alone and both at once', async () => {
  await buildDist();
  const { stdout } = await promisify(execFile)(process.execPath, ['test/bench/api-under-load.ts'], {
    cwd: REPO_DIR, env: { ...process.env, BENCH_SECONDS: '1', BENCH_CONNECTIONS: '2' }, timeout: 90_000,
  });
  const row = (name: string) => new RegExp(`^\\| ${name} \\| \\d+ req/s, p99 [\\d.]+ ms \\| \\d+ req/s, p99 [\\d.]+ ms \\| [\\d.]+× \\|$`, 'm');
  expect(stdout).toMatch(row('GET /protected \\(JWT\\)'));
  expect(stdout).toMatch(row('client_credentials \\(opaque\\)'));
}, 120_000);
