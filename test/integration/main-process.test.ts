import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, portOpen } from '../helpers/free-port.js';
import { runMain } from '../helpers/run-main.js';
import { startTestGatehouse } from '../helpers/start-gatehouse.js';

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-main-'));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

describe('the npm start process', () => {
  it('drains and exits 0 on a SIGTERM sent the moment it says it is up', async () => {
    const result = await runMain({
      NODE_ENV: 'development', PORT: String(await freePort()), API_ENABLED: 'false', DATA_DIR: dataDir,
      PASSWORD_HASH_MEMORY_KIB: '8192', PASSWORD_HASH_PASSES: '1',
    });
    expect({ code: result.code, signal: result.signal }).toEqual({ code: 0, signal: null });
    expect(result.stdout).toMatch(/"signal":"SIGTERM","msg":"shutting down"/);
  });
});

describe('a server that cannot start', () => {
  it('closes the ports it had already opened (the API port was taken)', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const apiPort = (taken.address() as { port: number }).port;
    const port = await freePort();
    try {
      await expect(startTestGatehouse({ PORT: String(port), API_PORT: String(apiPort), API_HOST: '127.0.0.1' }))
        .rejects.toThrow(/EADDRINUSE/);
      // The authorization server listened before the API failed: nothing may answer there now.
      expect(await portOpen(port)).toBe(false);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
