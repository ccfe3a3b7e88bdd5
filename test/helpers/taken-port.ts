import { expect } from '@jest/globals';
import { createServer } from 'node:net';
import type { MainExit } from './run-main.js';

/**
 * Starts an entry point on a port something else holds, and expects what an operator should see:
 * exit 1 and one JSON log line saying it failed to start and why, no Node stack trace.
 */
export async function expectFailedStartOnTakenPort(start: (port: number) => Promise<MainExit>): Promise<void> {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  try {
    const { code, stdout, stderr } = await start((taken.address() as { port: number }).port);
    const output = `${stdout}${stderr}`;
    expect(code).toBe(1);
    const lines = output.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 60, msg: 'failed to start', err: { message: expect.stringContaining('EADDRINUSE') } });
    expect(output).not.toContain('Node.js v');
  } finally {
    await new Promise((resolve) => taken.close(resolve));
  }
}
