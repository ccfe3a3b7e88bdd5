import type { AccountRecord, AccountRepository } from '../../accounts/account-repository.js';
import { normalizeUsername } from '../../accounts/account-repository.js';
import type { RedisClient } from './connection.js';
import type { RedisKeys } from './keys.js';
import type { ScriptRunner } from './scripts.js';
import type { StoreGuard } from './store-guard.js';

/**
 * Accounts in two hashes sharing the `{accounts}` hash tag (one Redis Cluster slot), so that
 * "username is free, then take it" is one atomic script. Accounts are few and small; one slot
 * holds millions of them.
 */
export function createRedisAccountRepository(deps: { client: RedisClient; scripts: ScriptRunner; keys: RedisKeys; guard: StoreGuard }): AccountRepository {
  const { client, scripts, keys, guard } = deps;
  const accountKeys = [keys.accountsById, keys.accountsByUsername];
  const parse = (json: string | null | undefined) => (json ? JSON.parse(json) as AccountRecord : undefined);

  return {
    findById: (id) => guard.run('accounts.findById', async () => parse(await client.hget(keys.accountsById, id))),
    findByUsername: (username) => guard.run('accounts.findByUsername', async () =>
      parse(await scripts('gatehouseAccountByUsername', accountKeys, [normalizeUsername(username)]) as string | null)),
    async create(account) {
      const record = { ...account, username: normalizeUsername(account.username) };
      const created = await guard.run('accounts.create', () =>
        scripts('gatehouseAccountCreate', accountKeys, [record.id, record.username, JSON.stringify(record)]));
      return created === 1;
    },
    async update(account) {
      const record = { ...account, username: normalizeUsername(account.username) };
      const updated = await guard.run('accounts.update', () =>
        scripts('gatehouseAccountUpdate', accountKeys, [record.id, record.username, JSON.stringify(record)]));
      if (updated !== 1) throw new Error('update() cannot create accounts or change usernames');
    },
    async replaceIf(expected, next) {
      if (next.id !== expected.id || normalizeUsername(next.username) !== normalizeUsername(expected.username)) return false;
      // Records are stored as JSON.stringify of what findById parses, so equal records are equal strings.
      const replaced = await guard.run('accounts.replaceIf', () => scripts('gatehouseAccountReplaceIf', [keys.accountsById], [
        expected.id,
        JSON.stringify({ ...expected, username: normalizeUsername(expected.username) }),
        JSON.stringify({ ...next, username: normalizeUsername(next.username) }),
      ]));
      return replaced === 1;
    },
    list: () => guard.run('accounts.list', async () =>
      (await client.hvals(keys.accountsById)).map((json) => JSON.parse(json) as AccountRecord)
        .sort((a, b) => a.username.localeCompare(b.username))),
    async delete(id) {
      return (await guard.run('accounts.delete', () => scripts('gatehouseAccountDelete', accountKeys, [id]))) === 1;
    },
  };
}
