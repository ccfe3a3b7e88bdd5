import { beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { buildDist, REPO_DIR } from '../helpers/build-dist.js';

beforeAll(() => buildDist(), 120_000);

/** A process that logs as the server does, installs logCrashes, then fails as `failure` says. */
async function crash(failure: string): Promise<{ code: number | null; lines: Record<string, unknown>[]; stderr: string }> {
  const script = `
    import { createLogger } from './dist/observability/logger.js';
    import { logCrashes } from './dist/observability/crash-log.js';
    const logger = createLogger({ level: 'info' });
    logCrashes(logger);
    logger.info('up');
    setTimeout(() => { ${failure} }, 10);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { code, lines: stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>), stderr };
}

describe('an error that ends the process', () => {
  it('a rejected promise nothing handled: one fatal JSON line with the error, then exit 1', async () => {
    const { code, lines } = await crash(`Promise.reject(new Error('the store vanished'));`);
    expect(code).toBe(1);
    expect(lines.map((line) => line['msg'])).toEqual(['up', 'a promise rejection nothing handled: stopping']);
    expect(lines[1]).toMatchObject({ level: 60, origin: 'unhandledRejection', err: { type: 'Error', message: 'the store vanished' } });
  });

  it('an uncaught exception: the same, and Node still prints its stack to stderr', async () => {
    const { code, lines, stderr } = await crash(`throw new TypeError('not a function');`);
    expect(code).toBe(1);
    expect(lines[1]).toMatchObject({ level: 60, origin: 'uncaughtException', msg: 'an uncaught error: stopping', err: { type: 'TypeError', message: 'not a function' } });
    expect(stderr).toContain('TypeError: not a function');
  });
});
