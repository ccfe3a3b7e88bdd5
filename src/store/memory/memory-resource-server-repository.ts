import type { ResourceServerRepository } from '../../provider/resource-server-repository.js';
import type { ResourceServer } from '../../provider/resource-servers.js';

export function createMemoryResourceServerRepository(): ResourceServerRepository {
  const byAudience = new Map<string, ResourceServer>();
  return {
    async list() {
      return [...byAudience.values()].sort((a, b) => a.audience.localeCompare(b.audience)).map((server) => structuredClone(server));
    },
    async create(server) {
      if (byAudience.has(server.audience)) return false;
      byAudience.set(server.audience, structuredClone(server));
      return true;
    },
    async delete(audience) {
      return byAudience.delete(audience);
    },
  };
}
