import type { KeySetRecord, KeySetRepository } from '../../keys/key-set.js';

export function createMemoryKeySetRepository(): KeySetRepository {
  let stored: KeySetRecord | undefined;
  return {
    async read() {
      return stored && structuredClone(stored);
    },
    async write(next, expectedVersion) {
      if ((stored?.version ?? 0) !== expectedVersion) return false;
      stored = structuredClone(next);
      return true;
    },
  };
}
