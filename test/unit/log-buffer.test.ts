import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogBuffer } from '../../src/observability/log-buffer.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `body` in a Node process of its own with createLogger in scope; resolves with its stdout once it exits. */
function runLoggingProcess(body: string, readDelayMs = 0): Promise<{ code: number | null; stdout: string }> {
  const script = `import { createLogger } from ${JSON.stringify(`${ROOT}src/observability/logger.ts`)};\n${body}`;
  const child = spawn(process.execPath, ['--experimental-transform-types', '--no-warnings', '--import', './test/helpers/resolve-ts-hook.mjs', '--input-type=module', '-e', script], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'],
  });
  // A reader that starts late leaves the pipe full for a while: the writer must wait, not drop lines.
  if (readDelayMs > 0) {
    child.stdout!.pause();
    setTimeout(() => child.stdout!.resume(), readDelayMs);
  }
  // Decoded once at the end: a chunk may end inside a multi-byte character.
  const chunks: Buffer[] = [];
  child.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout: Buffer.concat(chunks).toString('utf8') })));
}

const lineNumbers = (stdout: string) => stdout.split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { n: number }).n);

describe('log lines on stdout', () => {
  it('are all written, in order, when the process exits right after logging them', async () => {
    const { code, stdout } = await runLoggingProcess(`
      const logger = createLogger({ level: 'info' });
      for (let n = 0; n < 1000; n++) logger.info({ n }, 'line');
      logger.fatal({ n: 1000 }, 'failed to start');
      process.exit(3);
    `);
    expect(code).toBe(3);
    expect(lineNumbers(stdout)).toEqual(Array.from({ length: 1001 }, (_, n) => n));
  }, 20_000);

  it('wait for a slow reader when the pipe is full: nothing is dropped or written twice', async () => {
    const { code, stdout } = await runLoggingProcess(`
      process.stdout; // as a pipe, Node makes stdout non-blocking: a full pipe answers EAGAIN
      const logger = createLogger({ level: 'info' });
      const padding = 'x'.repeat(200);
      for (let n = 0; n < 20000; n++) logger.info({ n, padding }, 'line');
      setTimeout(() => logger.flush(() => process.exit(0)), 100);
    `, 1500);
    expect(code).toBe(0);
    expect(lineNumbers(stdout)).toEqual(Array.from({ length: 20000 }, (_, n) => n));
  }, 30_000);

  it('keep multi-byte characters whole when a full pipe takes part of a batch', async () => {
    const { code, stdout } = await runLoggingProcess(`
      process.stdout;
      const logger = createLogger({ level: 'info' });
      const padding = 'é✓😀'.repeat(60);
      for (let n = 0; n < 20000; n++) logger.info({ n, padding }, 'line');
      setTimeout(() => logger.flush(() => process.exit(0)), 100);
    `, 1500);
    expect(code).toBe(0);
    const lines = stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { n: number; padding: string });
    expect(lines.map((line) => line.n)).toEqual(Array.from({ length: 20000 }, (_, n) => n));
    expect(lines.every((line) => line.padding === 'é✓😀'.repeat(60))).toBe(true);
  }, 30_000);
  it('never break a line when several processes share the pipe (WORKERS under a log collector)', async () => {
    // Two writers inherit this process's stdout, as cluster workers inherit the primary's.
    const writer = (id: number) => `
      import { createLogger } from ${JSON.stringify(`${ROOT}src/observability/logger.ts`)};
      process.stdout;
      const logger = createLogger({ level: 'info' });
      const padding = 'x'.repeat(200);
      for (let n = 0; n < 20000; n++) logger.info({ writer: ${id}, n, padding }, 'line');
      setTimeout(() => logger.flush(() => process.exit(0)), 100);
    `;
    const { code, stdout } = await runLoggingProcess(`
      import { spawn } from 'node:child_process';
      const flags = ['--experimental-transform-types', '--no-warnings', '--import', './test/helpers/resolve-ts-hook.mjs', '--input-type=module', '-e'];
      const writers = [${JSON.stringify(writer(1))}, ${JSON.stringify(writer(2))}].map((script) => spawn(process.execPath, [...flags, script], { stdio: ['ignore', 'inherit', 'inherit'] }));
      await Promise.all(writers.map((child) => new Promise((resolve) => child.once('exit', resolve))));
    `, 1500);
    expect(code).toBe(0);
    const lines = stdout.split('\n').filter(Boolean);
    const broken = lines.filter((line) => {
      try {
        JSON.parse(line);
        return false;
      } catch {
        return true;
      }
    });
    expect(broken).toEqual([]);
    const numbers = (id: number) => lines.map((line) => JSON.parse(line) as { writer: number; n: number }).filter((line) => line.writer === id).map((line) => line.n);
    expect(numbers(1)).toEqual(Array.from({ length: 20000 }, (_, n) => n));
    expect(numbers(2)).toEqual(Array.from({ length: 20000 }, (_, n) => n));
  }, 60_000);
});

describe('the log buffer', () => {
  it('writes in batches and calls back from flush once everything is written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gatehouse-log-'));
    const file = join(dir, 'out.log');
    const fd = openSync(file, 'w');
    try {
      const buffer = createLogBuffer({ fd, minBytes: 1000, flushIntervalMs: 60_000 });
      buffer.write('a'.repeat(10) + '\n');
      // Below the batch size and long before the interval: nothing written yet.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(readFileSync(file, 'utf8')).toBe('');
      for (let i = 0; i < 200; i++) buffer.write(`${i}\n`);
      await new Promise<void>((resolve, reject) => buffer.flush((error) => (error ? reject(error) : resolve())));
      expect(readFileSync(file, 'utf8')).toBe(`${'a'.repeat(10)}\n${Array.from({ length: 200 }, (_, i) => `${i}\n`).join('')}`);
    } finally {
      closeSync(fd);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
