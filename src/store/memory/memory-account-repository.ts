import type { AccountRecord, AccountRepository } from '../../accounts/account-repository.js';
import { normalizeUsername } from '../../accounts/account-repository.js';

export function createMemoryAccountRepository(): AccountRepository {
  const byId = new Map<string, AccountRecord>();
  const idByUsername = new Map<string, string>();

  return {
    async findById(id) {
      return byId.get(id);
    },
    async findByUsername(username) {
      const id = idByUsername.get(normalizeUsername(username));
      return id === undefined ? undefined : byId.get(id);
    },
    async create(account) {
      const username = normalizeUsername(account.username);
      if (idByUsername.has(username) || byId.has(account.id)) return false;
      byId.set(account.id, { ...account, username });
      idByUsername.set(username, account.id);
      return true;
    },
    async update(account) {
      const existing = byId.get(account.id);
      if (!existing || existing.username !== normalizeUsername(account.username)) {
        throw new Error('update() cannot create accounts or change usernames');
      }
      byId.set(account.id, { ...account, username: existing.username });
    },
    async replaceIf(expected, next) {
      const current = byId.get(expected.id);
      if (!current || next.id !== expected.id || normalizeUsername(next.username) !== current.username) return false;
      if (JSON.stringify(current) !== JSON.stringify(expected)) return false;
      byId.set(next.id, { ...next, username: current.username });
      return true;
    },
    async list() {
      return [...byId.values()].sort((a, b) => a.username.localeCompare(b.username));
    },
    async delete(id) {
      const existing = byId.get(id);
      if (!existing) return false;
      byId.delete(id);
      idByUsername.delete(existing.username);
      return true;
    },
  };
}
