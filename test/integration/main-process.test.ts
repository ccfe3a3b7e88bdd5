import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/free-port.js';
import { runMain } from '../helpers/run-main.js';

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
