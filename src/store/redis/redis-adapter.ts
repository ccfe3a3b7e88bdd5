import { randomUUID } from 'node:crypto';
import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';
import { undoIfRequestFails } from '../request-undo.js';
import { storedLifetime } from '../retention.js';
import { alreadyConsumedError, CLAIM_SECONDS, claimsOnFind, CONSUME_HEADROOM_BYTES, isGrantBound, revokesGrantOnReuse } from '../single-use.js';
import type { RedisClient } from './connection.js';
import { grantMember, parseGrantMember, type RedisKeys } from './keys.js';
import type { ScriptRunner } from './scripts.js';
import type { StoreGuard } from './store-guard.js';

export interface RedisAdapterDeps {
  client: RedisClient;
  scripts: ScriptRunner;
  keys: RedisKeys;
  guard: StoreGuard;
}

/**
 * oidc-provider's storage contract on Redis, for every model. Record layout and the order of
 * multi-key steps are explained in keys.ts; the atomic parts are the scripts in scripts.ts.
 */
export function createRedisAdapterFactory(deps: RedisAdapterDeps): AdapterFactory {
  const records = createRecordOperations(deps);
  return (model: string): Adapter => ({
    upsert: (id, payload, expiresIn) => records.upsert(model, id, payload, expiresIn),
    find: (id) => deps.guard.run(`${model}.find`, () => records.read(model, id)),
    findByUid: (uid) => deps.guard.run(`${model}.findByUid`, () => records.readByIndex(model, deps.keys.uidIndex(model, uid), 'uid', uid)),
    findByUserCode: (userCode) => deps.guard.run(`${model}.findByUserCode`, () => records.readByIndex(model, deps.keys.userCodeIndex(model, userCode), 'userCode', userCode)),
    consume: (id) => records.consume(model, id),
    destroy: (id) => deps.guard.run(`${model}.destroy`, () => records.destroy(model, id)),
    revokeByGrantId: (grantId) => deps.guard.run(`${model}.revokeByGrantId`, () => records.revokeGrantTokens(grantId, model)),
  });
}

function createRecordOperations({ client, scripts, keys, guard }: RedisAdapterDeps) {
  async function read(model: string, id: string): Promise<AdapterPayload | undefined> {
    if (claimsOnFind(model)) {
      const payload = await scripts('gatehouseClaim', [keys.record(model, id)], [JSON.stringify({ jti: id }), CLAIM_SECONDS]) as string | null;
      return payload ? JSON.parse(payload) as AdapterPayload : undefined;
    }
    const [payload, consumed] = await client.hmget(keys.record(model, id), 'payload', 'consumed');
    if (!payload) return undefined;
    const parsed = JSON.parse(payload) as AdapterPayload;
    if (consumed) parsed.consumed = Number(consumed);
    return parsed;
  }

  /** Deletes a record, then the indexes that still point at it. */
  async function destroy(model: string, id: string): Promise<void> {
    const stored = await scripts('gatehouseTake', [keys.record(model, id)], []) as string | null;
    if (!stored) return;
    const payload = JSON.parse(stored) as AdapterPayload;
    await Promise.all([
      payload.uid ? scripts('gatehouseDeleteIfEquals', [keys.uidIndex(model, payload.uid)], [id]) : undefined,
      payload.userCode ? scripts('gatehouseDeleteIfEquals', [keys.userCodeIndex(model, payload.userCode)], [id]) : undefined,
      payload.grantId && isGrantBound(model) ? client.zrem(keys.grantIndex(payload.grantId), grantMember(model, id)) : undefined,
    ]);
  }

  /** Deletes the grant's tokens of one model (or of every model), then their index entries. */
  async function revokeGrantTokens(grantId: string, onlyModel?: string): Promise<void> {
    const members = await client.zrange(keys.grantIndex(grantId), '0', '-1');
    const targets = members.map(parseGrantMember).filter(({ model }) => onlyModel === undefined || model === onlyModel);
    await Promise.all(targets.map(({ model, id }) => destroy(model, id)));
  }

  return {
    read,
    destroy,
    revokeGrantTokens,

    async readByIndex(model: string, indexKey: string, field: 'uid' | 'userCode', value: string) {
      const id = await client.get(indexKey);
      if (!id) return undefined;
      const payload = await read(model, id);
      // An index left behind by an interrupted destroy may point at nothing or at a record
      // that no longer carries this value; both read as "not found".
      return payload?.[field] === value ? payload : undefined;
    },

    async upsert(model: string, id: string, payload: AdapterPayload, expiresIn: number | undefined): Promise<void> {
      const ttl = storedLifetime(model, expiresIn && expiresIn > 0 ? Math.ceil(expiresIn) : 0);
      await guard.run(`${model}.upsert`, async () => {
        // The record and its indexes are sent together (one round trip when they live on one
        // node). The upsert fails if any write fails, so a token is never handed out unless it
        // is in its grant's index; what a failed half leaves is an index to nothing, which
        // readers and revocation skip and which expires with the record's TTL.
        const setIndex = (key: string) => (ttl > 0 ? client.set(key, id, 'EX', ttl) : client.set(key, id));
        await Promise.all([
          scripts('gatehouseUpsert', [keys.record(model, id)], [JSON.stringify(payload), ttl, payload.consumed ? String(payload.consumed) : '']),
          payload.uid ? setIndex(keys.uidIndex(model, payload.uid)) : undefined,
          payload.userCode ? setIndex(keys.userCodeIndex(model, payload.userCode)) : undefined,
          payload.grantId && isGrantBound(model) ? scripts('gatehouseGrantIndexAdd', [keys.grantIndex(payload.grantId)], [grantMember(model, id), ttl]) : undefined,
        ]);
      });
    },

    /**
     * oidc-provider checks `consumed` and then calls consume(): with two requests in flight
     * both pass the check. The script decides which one consumed the record; the others fail
     * here, and (RFC 9700 §4.14, RFC 6749 §4.1.2) the grant behind it is revoked.
     */
    async consume(model: string, id: string): Promise<void> {
      const key = keys.record(model, id);
      const marker = randomUUID();
      // Registered before the attempt: a timed-out consume may still run once Redis catches up.
      let mayHaveConsumed = true;
      undoIfRequestFails(() => (mayHaveConsumed ? guard.run(`${model}.unconsume`, () => scripts('gatehouseUnconsume', [key], [marker])) : Promise.resolve()));
      const [state, stored] = await guard.run(`${model}.consume`, async () => {
        const reply = await scripts('gatehouseConsume', [key], [Math.floor(Date.now() / 1000), CONSUME_HEADROOM_BYTES, marker]) as [number, string?];
        // Nearly full: a storage failure like Redis's own refusal (same words, for the admin CLI).
        if (reply[0] === 3) throw new Error(`OOM fewer than ${CONSUME_HEADROOM_BYTES} bytes left below 'maxmemory': the record was not used up`);
        return reply;
      });
      mayHaveConsumed = state === 1;
      if (state === 1) return;
      const grantId = stored ? (JSON.parse(stored) as AdapterPayload).grantId : undefined;
      if (state === 2 && grantId && revokesGrantOnReuse(model)) {
        await guard.run(`${model}.consume.revoke`, async () => {
          await revokeGrantTokens(grantId);
          await destroy('Grant', grantId);
          await client.del(keys.grantIndex(grantId));
        });
      }
      // state 0: the record vanished since oidc-provider read it (expired, or deleted by a
      // concurrent loser's revocation). Failing closed is the only safe answer.
      throw alreadyConsumedError(model);
    },
  };
}
