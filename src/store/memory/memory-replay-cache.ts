import type { ReplayCache } from '../replay-cache.js';

/** One process's replay cache: claims are checked and recorded synchronously, hence atomic. */
export function createMemoryReplayCache(options: { now?: () => number; sweepIntervalMs?: number } = {}): ReplayCache {
  const now = options.now ?? Date.now;
  const expiries = new Map<string, number>();
  const sweeper = setInterval(() => {
    const time = now();
    for (const [key, expiresAt] of expiries) if (expiresAt <= time) expiries.delete(key);
  }, options.sweepIntervalMs ?? 30_000);
  sweeper.unref();

  return {
    async claim(key, ttlMs) {
      const time = now();
      const held = expiries.get(key);
      if (held !== undefined && held > time) return false;
      expiries.set(key, time + ttlMs);
      return true;
    },
    async held(key) {
      return (expiries.get(key) ?? -Infinity) > now();
    },
    async close() {
      clearInterval(sweeper);
    },
  };
}
