/**
 * Does a failed sign-in take as long for an unknown username as for a wrong password?
 * (No account enumeration by timing: OWASP ASVS 6.3.) Starts the server in this process with
 * the production argon2id parameters and prints the median time of each over TRIES tries.
 *
 *   npm run bench:login-timing            (TRIES=200 by default)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/observability/logger.js';
import { startGatehouse } from '../../src/server.js';
import { freePort } from '../helpers/free-port.js';
import { measureLoginTiming } from '../helpers/login-timing.js';

const tries = Number(process.env['TRIES'] ?? 200);
const port = await freePort();
const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-bench-'));
// No PASSWORD_HASH_* overrides: the defaults are the production parameters.
const config = loadConfig({
  NODE_ENV: 'development', PORT: String(port), ISSUER: `http://localhost:${port}`, API_ENABLED: 'false', DATA_DIR: dataDir,
  LOG_LEVEL: 'silent', LOGIN_MAX_FAILURES_PER_ACCOUNT: '10000', LOGIN_MAX_FAILURES_PER_ADDRESS: '1000000',
});
const running = await startGatehouse(config, createLogger({ level: 'silent' }));
try {
  process.stdout.write(`argon2id m=${config.passwordHash.memoryKiB} KiB, t=${config.passwordHash.passes}, p=1; ${tries} tries of each, interleaved, after 10 warm-up pairs\n`);
  const timing = await measureLoginTiming(config.issuer, { tries, warmup: 10, existingUser: 'demo' });
  process.stdout.write([
    `unknown user:   median ${timing.unknownUserMs.toFixed(1)} ms, p90 ${timing.unknownUserP90Ms.toFixed(1)} ms`,
    `wrong password: median ${timing.wrongPasswordMs.toFixed(1)} ms, p90 ${timing.wrongPasswordP90Ms.toFixed(1)} ms`,
    `difference of medians: ${(timing.difference * 100).toFixed(1)}% (bound: 20%)`,
    '',
  ].join('\n'));
} finally {
  await running.close(1000);
  await rm(dataDir, { recursive: true, force: true });
}
