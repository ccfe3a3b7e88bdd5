import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { buildDist, REPO_DIR } from '../helpers/build-dist.js';

beforeAll(() => buildDist(), 120_000);

describe('WORKERS with the embedded store', () => {
  it('is refused at boot with a message that says why and what to do, and exit code 1', async () => {
    const run = promisify(execFile)('node', ['dist/main.js'], {
      cwd: REPO_DIR,
      env: { ...process.env, PATH: `${REPO_DIR}node_modules/.bin:${process.env['PATH']}`, WORKERS: '2', PORT: '0', API_PORT: '0', REDIS_URL: '' },
      timeout: 15_000,
    });
    const failure = await run.then(() => undefined, (error: { code: number; stderr: string }) => error);
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('WORKERS=2 needs REDIS_URL');
    expect(failure?.stderr).not.toMatch(/\n\s+at /);
  });
});
