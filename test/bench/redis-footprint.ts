import { Redis } from 'ioredis';

/**
 * Redis memory per stored record: used_memory before and after `count` operations that each
 * store one more record set (a client_credentials token, or a whole flow's session, grant,
 * code, access and refresh tokens), divided by `count`.
 */
export async function bytesPerOperation(redisUrl: string, count: number, operation: () => Promise<unknown>, concurrency = 8): Promise<{ count: number; bytesPerOperation: number; keysPerOperation: number }> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
    const beforeBytes = await usedMemory();
    const beforeKeys = await redis.dbsize();
    let next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        await operation();
      }
    }));
    const afterBytes = await usedMemory();
    const afterKeys = await redis.dbsize();
    return { count, bytesPerOperation: Math.round((afterBytes - beforeBytes) / count), keysPerOperation: Math.round(((afterKeys - beforeKeys) / count) * 10) / 10 };
  } finally {
    redis.disconnect();
  }
}
