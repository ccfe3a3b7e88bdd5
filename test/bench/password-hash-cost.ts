import { randomBytes } from 'node:crypto';
import { deriveArgon2id } from '../../src/accounts/password-hasher.ts';

/**
 * What one password verification costs at the given argon2id settings, measured here, one at a
 * time (each hash runs on one thread): its wall time is its CPU time.
 */
export async function measurePasswordHash(params: { memoryKiB: number; passes: number }, iterations: number) {
  const nonce = randomBytes(16);
  // The function sign-ins use: what is measured is what production pays.
  const once = () => deriveArgon2id('correct horse battery staple', nonce, params.memoryKiB, params.passes);
  await once();
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await once();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  return { ...params, iterations, medianMs: Math.round(median * 100) / 100, perCoreSecond: Math.round(1000 / median) };
}
