import { execFile } from 'node:child_process';
import { mkdir, rm, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const REPO_DIR = fileURLToPath(new URL('../..', import.meta.url));
const LOCK = `${REPO_DIR}dist.build-lock`;

/**
 * `npm run build` into dist/, once per test run even when several test files need it at the
 * same time (jest runs files in parallel processes): a lock directory serialises the builds.
 */
export async function buildDist(): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await mkdir(LOCK);
      break;
    } catch {
      // A lock older than 2 minutes belongs to a killed run.
      const age = await stat(LOCK).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > 120_000) await rm(LOCK, { recursive: true, force: true });
      if (attempt > 600) throw new Error('timed out waiting for another build');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    await promisify(execFile)('npm', ['run', 'build', '--silent'], { cwd: REPO_DIR, env: { ...process.env, PATH: `${REPO_DIR}node_modules/.bin:${process.env['PATH']}` } });
  } finally {
    await rm(LOCK, { recursive: true, force: true });
  }
}
