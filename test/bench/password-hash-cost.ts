import { argon2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const argon2Async = promisify(argon2);

/**
 * What one password verification costs at the given argon2id settings, measured here, one at a
 * time (each hash runs on one thread): its wall time is its CPU time.
 */
export async function measurePasswordHash(params: { memoryKiB: number; passes: number }, iterations: number) {
  const nonce = randomBytes(16);
  const once = () => argon2Async('argon2id', { message: 'correct horse battery staple', nonce, memory: params.memoryKiB, passes: params.passes, parallelism: 1, tagLength: 32 });
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
