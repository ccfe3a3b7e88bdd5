import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AdapterPayload } from 'oidc-provider';
import type { AccountRecord } from '../../src/accounts/account-repository.js';
import type { Store } from '../../src/store/store.js';

/**
 * The behaviour every Store must have, run against the embedded store and against Redis
 * (single node and Cluster) by the test files next to this one. oidc-provider relies on all
 * of it; the single-use rules are RFC 6749 §4.1.2, RFC 9700 §4.14 and RFC 9126 §4.
 */
export function storeContract(open: () => Promise<Store>): void {
  let store: Store;
  beforeAll(async () => {
    store = await open();
  }, 30_000);
  afterAll(() => store?.close());

  const adapter = (model: string) => store.adapterFactory(model);
  const id = () => randomUUID().replaceAll('-', '');
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const tokenOf = (grantId: string, extra: Partial<AdapterPayload> = {}): AdapterPayload => ({ grantId, accountId: 'acc-1', clientId: 'client-1', kind: 'x', ...extra });

  /** A grant with one record of each kind issued under it; returns their ids. */
  async function issueGrant(grantId = id()) {
    const ids = { grantId, code: id(), access: id(), refresh: id(), device: id(), userCode: `U-${id().slice(0, 8)}`, interaction: id() };
    await adapter('Grant').upsert(grantId, { jti: grantId, accountId: 'acc-1', clientId: 'client-1' }, 600);
    await adapter('AuthorizationCode').upsert(ids.code, tokenOf(grantId, { jti: ids.code }), 60);
    await adapter('AccessToken').upsert(ids.access, tokenOf(grantId, { jti: ids.access }), 3600);
    await adapter('RefreshToken').upsert(ids.refresh, tokenOf(grantId, { jti: ids.refresh }), 86400);
    await adapter('DeviceCode').upsert(ids.device, tokenOf(grantId, { jti: ids.device, userCode: ids.userCode }), 600);
    await adapter('Interaction').upsert(ids.interaction, { jti: ids.interaction, grantId }, 600);
    return ids;
  }

  async function remaining(ids: Awaited<ReturnType<typeof issueGrant>>) {
    const found = async (model: string, key: string) => (await adapter(model).find(key)) !== undefined;
    return {
      grant: await found('Grant', ids.grantId),
      code: await found('AuthorizationCode', ids.code),
      access: await found('AccessToken', ids.access),
      refresh: await found('RefreshToken', ids.refresh),
      device: await found('DeviceCode', ids.device),
      deviceByUserCode: (await adapter('DeviceCode').findByUserCode(ids.userCode)) !== undefined,
      interaction: await found('Interaction', ids.interaction),
    };
  }

  describe('oidc-provider models', () => {
    it('finds what was upserted, as a copy, and nothing for an unknown id', async () => {
      const key = id();
      const payload = { jti: key, accountId: 'a', scope: 'openid email', nested: { list: [1, 'two', { three: true }] } } as unknown as AdapterPayload;
      await adapter('AccessToken').upsert(key, payload, 60);
      expect(await adapter('AccessToken').find(key)).toEqual(payload);
      expect(await adapter('AccessToken').find(id())).toBeUndefined();
      expect(await adapter('RefreshToken').find(key)).toBeUndefined();
    });

    it('replaces a record on a second upsert', async () => {
      const key = id();
      await adapter('Session').upsert(key, { jti: key, uid: 'u-1', accountId: 'first' }, 60);
      await adapter('Session').upsert(key, { jti: key, uid: 'u-1', accountId: 'second' }, 60);
      expect(await adapter('Session').find(key)).toMatchObject({ accountId: 'second' });
    });

    it('keeps records without a lifetime (registered clients) and forgets expired ones, with their indexes', async () => {
      const clientId = id();
      const session = id();
      const uid = id();
      await adapter('Client').upsert(clientId, { client_id: clientId, redirect_uris: ['https://rp.example/cb'] });
      await adapter('Session').upsert(session, { jti: session, uid }, 1);
      expect(await adapter('Session').findByUid(uid)).toMatchObject({ jti: session });
      await sleep(1200);
      expect(await adapter('Session').find(session)).toBeUndefined();
      expect(await adapter('Session').findByUid(uid)).toBeUndefined();
      expect(await adapter('Client').find(clientId)).toMatchObject({ client_id: clientId });
    });

    it('keeps an expired device code a while, by id and by user code, so the device is told expired_token (RFC 8628 §3.5)', async () => {
      const device = id();
      const userCode = `U-${id().slice(0, 8)}`;
      const exp = Math.floor(Date.now() / 1000) + 1;
      await adapter('DeviceCode').upsert(device, { jti: device, userCode, exp }, 1);
      await sleep(1200);
      // oidc-provider reads it ignoring its expiry and answers from `exp`.
      expect(await adapter('DeviceCode').find(device)).toMatchObject({ jti: device, exp });
      expect(await adapter('DeviceCode').findByUserCode(userCode)).toMatchObject({ jti: device });
    });

    it('finds a session by uid and a device code by user code, until they are destroyed', async () => {
      const session = id();
      const uid = id();
      await adapter('Session').upsert(session, { jti: session, uid, accountId: 'acc-1' }, 60);
      expect(await adapter('Session').findByUid(uid)).toMatchObject({ jti: session, accountId: 'acc-1' });
      expect(await adapter('Session').findByUid(id())).toBeUndefined();

      const { device, userCode } = await issueGrant();
      expect(await adapter('DeviceCode').findByUserCode(userCode)).toMatchObject({ jti: device });

      await adapter('Session').destroy(session);
      await adapter('DeviceCode').destroy(device);
      expect(await adapter('Session').find(session)).toBeUndefined();
      expect(await adapter('Session').findByUid(uid)).toBeUndefined();
      expect(await adapter('DeviceCode').findByUserCode(userCode)).toBeUndefined();
    });

    it('moves the uid index along when a session changes its id (oidc-provider rotates session ids)', async () => {
      const uid = id();
      const [before, after] = [id(), id()];
      await adapter('Session').upsert(before, { jti: before, uid }, 60);
      await adapter('Session').destroy(before);
      await adapter('Session').upsert(after, { jti: after, uid }, 60);
      expect(await adapter('Session').findByUid(uid)).toMatchObject({ jti: after });
    });

    it('destroying an unknown record is not an error', async () => {
      await expect(adapter('AccessToken').destroy(id())).resolves.toBeUndefined();
    });
  });

  describe('revokeByGrantId', () => {
    it('removes only the records of the calling model for that grant (oidc-provider calls it per model)', async () => {
      const grant = await issueGrant();
      const other = await issueGrant();
      await adapter('AccessToken').revokeByGrantId(grant.grantId);
      expect(await remaining(grant)).toEqual({ grant: true, code: true, access: false, refresh: true, device: true, deviceByUserCode: true, interaction: true });
      expect(await remaining(other)).toEqual({ grant: true, code: true, access: true, refresh: true, device: true, deviceByUserCode: true, interaction: true });

      await adapter('RefreshToken').revokeByGrantId(grant.grantId);
      await adapter('AuthorizationCode').revokeByGrantId(grant.grantId);
      await adapter('DeviceCode').revokeByGrantId(grant.grantId);
      expect(await remaining(grant)).toEqual({ grant: true, code: false, access: false, refresh: false, device: false, deviceByUserCode: false, interaction: true });
    });

    it('reaches tokens issued long after the grant started, and an unknown grant is not an error', async () => {
      const grant = await issueGrant();
      const later = id();
      await adapter('AccessToken').upsert(later, tokenOf(grant.grantId, { jti: later }), 7200);
      await adapter('AccessToken').revokeByGrantId(grant.grantId);
      expect(await adapter('AccessToken').find(later)).toBeUndefined();
      await expect(adapter('AccessToken').revokeByGrantId(id())).resolves.toBeUndefined();
    });
  });

  describe('single use', () => {
    it('consume() marks a code consumed, and a rewrite of the record does not un-consume it', async () => {
      const { code, grantId } = await issueGrant();
      await adapter('AuthorizationCode').consume(code);
      const consumed = await adapter('AuthorizationCode').find(code);
      expect(consumed?.consumed).toEqual(expect.any(Number));
      await adapter('AuthorizationCode').upsert(code, tokenOf(grantId, { jti: code }), 60);
      expect((await adapter('AuthorizationCode').find(code))?.consumed).toBe(consumed?.consumed);
    });

    it('a code consumed twice: the second gets invalid_grant and every token of its grant and the grant are gone', async () => {
      const grant = await issueGrant();
      const other = await issueGrant();
      await adapter('AuthorizationCode').consume(grant.code);
      await expect(adapter('AuthorizationCode').consume(grant.code)).rejects.toMatchObject({ error: 'invalid_grant', error_detail: 'authorization code already consumed' });
      expect(await remaining(grant)).toEqual({ grant: false, code: false, access: false, refresh: false, device: false, deviceByUserCode: false, interaction: true });
      expect(await remaining(other)).toEqual({ grant: true, code: true, access: true, refresh: true, device: true, deviceByUserCode: true, interaction: true });
    });

    it.each(['AuthorizationCode', 'RefreshToken', 'DeviceCode'])('20 concurrent consume() of one %s: exactly one succeeds, the rest get invalid_grant', async (model) => {
      const grant = await issueGrant();
      const target = { AuthorizationCode: grant.code, RefreshToken: grant.refresh, DeviceCode: grant.device }[model]!;
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => adapter(model).consume(target)));
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      for (const result of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
        expect(result.reason).toMatchObject({ error: 'invalid_grant' });
      }
      expect((await remaining(grant)).grant).toBe(false);
    });

    it('a record that vanished between find and consume cannot be consumed', async () => {
      await expect(adapter('AuthorizationCode').consume(id())).rejects.toMatchObject({ error: 'invalid_grant' });
    });

    it('a pushed authorization request used twice gets invalid_request_uri and revokes nothing', async () => {
      const grant = await issueGrant();
      const par = id();
      await adapter('PushedAuthorizationRequest').upsert(par, { jti: par, grantId: grant.grantId } as AdapterPayload, 60);
      const results = await Promise.allSettled(Array.from({ length: 10 }, () => adapter('PushedAuthorizationRequest').consume(par)));
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      expect(results.find((result) => result.status === 'rejected')).toMatchObject({ reason: { error: 'invalid_request_uri' } });
      expect((await remaining(grant)).grant).toBe(true);
    });

    it('replay detection: of 10 concurrent find-then-save of one jti (oidc-provider\'s unique()), exactly one finds nothing', async () => {
      const jti = id();
      const unique = async () => {
        if (await adapter('ReplayDetection').find(jti)) return false;
        await adapter('ReplayDetection').upsert(jti, { jti, iss: 'client-1' }, 60);
        return true;
      };
      const results = await Promise.all(Array.from({ length: 10 }, unique));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await adapter('ReplayDetection').find(jti)).toMatchObject({ iss: 'client-1' });
      expect(await unique()).toBe(false);
    });
  });

  describe('replay cache', () => {
    it('of 10 concurrent claims of one key exactly one wins, and the key is free again after its lifetime', async () => {
      const key = `dpop:${id()}`;
      const results = await Promise.all(Array.from({ length: 10 }, () => store.replayCache.claim(key, 300)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.replayCache.claim(`other:${id()}`, 300)).toBe(true);
      await sleep(400);
      expect(await store.replayCache.claim(key, 300)).toBe(true);
    });

    it('says whether a key is held, for as long as its lifetime', async () => {
      const key = `ended:${id()}`;
      expect(await store.replayCache.held(key)).toBe(false);
      await store.replayCache.claim(key, 300);
      expect(await store.replayCache.held(key)).toBe(true);
      await sleep(400);
      expect(await store.replayCache.held(key)).toBe(false);
    });
  });

  describe('accounts', () => {
    const account = (username: string): AccountRecord => ({ id: randomUUID(), username, passwordHash: '$argon2id$test', createdAt: 1_700_000_000, name: 'Änne Ñ' });

    it('creates an account, finds it by id and by username in any case, and never overwrites a taken username', async () => {
      const name = `User-${id().slice(0, 6)}`;
      const first = account(name);
      expect(await store.accounts.create(first)).toBe(true);
      expect(await store.accounts.findById(first.id)).toEqual({ ...first, username: name.toLowerCase() });
      expect(await store.accounts.findByUsername(name.toUpperCase())).toMatchObject({ id: first.id });
      expect(await store.accounts.create(account(name))).toBe(false);
      expect(await store.accounts.create({ ...account(`other-${id()}`), id: first.id })).toBe(false);
      expect(await store.accounts.findById(randomUUID())).toBeUndefined();
      expect(await store.accounts.findByUsername('nobody-by-that-name')).toBeUndefined();
    });

    it('of 10 concurrent sign-ups with one username exactly one gets it', async () => {
      const name = `race-${id().slice(0, 6)}`;
      const results = await Promise.all(Array.from({ length: 10 }, () => store.accounts.create(account(name))));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('replaceIf is a compare-and-set: of 10 concurrent replacements from one read exactly one lands, and a stale read loses', async () => {
      const original = account(`cas-${id().slice(0, 6)}`);
      await store.accounts.create(original);
      const read = (await store.accounts.findById(original.id))!;
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.accounts.replaceIf(read, { ...read, name: `writer ${i}` })));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = (await store.accounts.findById(original.id))!;
      expect(winner.name).toBe(`writer ${results.indexOf(true)}`);
      expect(await store.accounts.replaceIf(read, { ...read, name: 'late' })).toBe(false);
      expect(await store.accounts.replaceIf(winner, { ...winner, username: 'someone-else' })).toBe(false);
      expect(await store.accounts.replaceIf(winner, { ...winner, disabled: true })).toBe(true);
    });

    it('updates an account, refuses to change its username, lists accounts by username and deletes them', async () => {
      const a = account(`b-${id().slice(0, 6)}`);
      const b = account(`a-${id().slice(0, 6)}`);
      await store.accounts.create(a);
      await store.accounts.create(b);
      await store.accounts.update({ ...a, disabled: true });
      expect(await store.accounts.findById(a.id)).toMatchObject({ disabled: true });
      await expect(store.accounts.update({ ...a, username: 'someone-else' })).rejects.toThrow();
      const listed = (await store.accounts.list()).map((entry) => entry.id);
      expect(listed.indexOf(b.id)).toBeLessThan(listed.indexOf(a.id));
      expect(await store.accounts.delete(a.id)).toBe(true);
      expect(await store.accounts.delete(a.id)).toBe(false);
      expect(await store.accounts.findByUsername(a.username)).toBeUndefined();
      expect(await store.accounts.create(account(a.username))).toBe(true);
    });
  });

  it('answers ping while the storage is up', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
}
