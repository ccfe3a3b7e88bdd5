import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';
import { alreadyConsumedError, CLAIM_SECONDS, claimsOnFind, isGrantBound, revokesGrantOnReuse } from '../single-use.js';

/**
 * A record as a shared store keeps it: serialized (see `copy` below for why), plus what the
 * table's own indexes and the single-use mark need without parsing it.
 */
interface Entry {
  json: string;
  /** Epoch seconds when consumed; sticky. */
  consumed: number | undefined;
  grantId: string | undefined;
  uid: string | undefined;
  userCode: string | undefined;
  /** Epoch milliseconds; undefined never expires. */
  expiresAt: number | undefined;
}

const entryOf = (payload: AdapterPayload, expiresAt: number | undefined, consumed: number | undefined): Entry => ({
  json: JSON.stringify(payload), consumed, grantId: payload.grantId, uid: payload.uid, userCode: payload.userCode, expiresAt,
});

/**
 * The embedded store's records for every oidc-provider model, in one process's memory.
 * Single use is atomic here because consume() checks and marks synchronously.
 */
export class MemoryModelTable {
  readonly #entries = new Map<string, Entry>();
  readonly #byGrant = new Map<string, Set<string>>();
  readonly #byUid = new Map<string, string>();
  readonly #byUserCode = new Map<string, string>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  get size(): number {
    return this.#entries.size;
  }

  upsert(model: string, id: string, payload: AdapterPayload, expiresIn: number | undefined): void {
    const key = `${model}:${id}`;
    const previous = this.#live(key);
    const expiresAt = expiresIn ? this.#now() + expiresIn * 1000 : undefined;
    // A consumed mark is sticky: rewriting a record never makes it usable again.
    this.#entries.set(key, entryOf(payload, expiresAt, payload.consumed || previous?.consumed));
    if (payload.grantId && isGrantBound(model)) {
      const set = this.#byGrant.get(payload.grantId) ?? new Set<string>();
      set.add(key);
      this.#byGrant.set(payload.grantId, set);
    }
    if (payload.uid) this.#byUid.set(`${model}:${payload.uid}`, key);
    if (payload.userCode) this.#byUserCode.set(`${model}:${payload.userCode}`, key);
  }

  find(model: string, id: string): AdapterPayload | undefined {
    const key = `${model}:${id}`;
    if (claimsOnFind(model) && !this.#live(key)) {
      this.#entries.set(key, entryOf({ jti: id }, this.#now() + CLAIM_SECONDS * 1000, undefined));
      return undefined;
    }
    return this.#read(key);
  }

  findByUid(model: string, uid: string): AdapterPayload | undefined {
    const key = this.#byUid.get(`${model}:${uid}`);
    return key ? this.#read(key) : undefined;
  }

  findByUserCode(model: string, userCode: string): AdapterPayload | undefined {
    const key = this.#byUserCode.get(`${model}:${userCode}`);
    return key ? this.#read(key) : undefined;
  }

  /** The ids of a model's live records (the admin CLI lists registered clients with it). */
  ids(model: string): string[] {
    const prefix = `${model}:`;
    return [...this.#entries.keys()]
      .filter((key) => key.startsWith(prefix) && this.#live(key))
      .map((key) => key.slice(prefix.length));
  }

  /**
   * Marks the record consumed; a second call fails and revokes the grant behind it. A record
   * that vanished since it was read (expired, or revoked by a concurrent loser) fails too.
   */
  consume(model: string, id: string): void {
    const key = `${model}:${id}`;
    const entry = this.#live(key);
    if (!entry) throw alreadyConsumedError(model);
    if (entry.consumed) {
      if (revokesGrantOnReuse(model) && entry.grantId) this.revokeGrant(entry.grantId);
      throw alreadyConsumedError(model);
    }
    entry.consumed = Math.floor(this.#now() / 1000);
  }

  destroy(model: string, id: string): void {
    this.#delete(`${model}:${id}`);
  }

  /** Deletes the grant's records of one model (oidc-provider calls this per model). */
  revokeByGrantId(grantId: string, model: string): void {
    for (const key of [...this.#byGrant.get(grantId) ?? []]) {
      if (key.startsWith(`${model}:`)) this.#delete(key);
    }
  }

  /** Deletes every token of the grant and the grant itself. */
  revokeGrant(grantId: string): void {
    for (const key of [...this.#byGrant.get(grantId) ?? []]) this.#delete(key);
    this.#byGrant.delete(grantId);
    this.#delete(`Grant:${grantId}`);
  }

  /** Drops expired records; the embedded store calls it on a timer. */
  sweep(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt !== undefined && entry.expiresAt <= now) this.#delete(key);
    }
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= this.#now()) {
      this.#delete(key);
      return undefined;
    }
    return entry;
  }

  #read(key: string): AdapterPayload | undefined {
    const entry = this.#live(key);
    if (!entry) return undefined;
    const payload = JSON.parse(entry.json) as AdapterPayload;
    if (entry.consumed) payload.consumed = entry.consumed;
    return payload;
  }

  #delete(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    const { grantId, uid, userCode } = entry;
    const model = key.slice(0, key.indexOf(':'));
    if (grantId) {
      const set = this.#byGrant.get(grantId);
      set?.delete(key);
      if (set?.size === 0) this.#byGrant.delete(grantId);
    }
    if (uid && this.#byUid.get(`${model}:${uid}`) === key) this.#byUid.delete(`${model}:${uid}`);
    if (userCode && this.#byUserCode.get(`${model}:${userCode}`) === key) this.#byUserCode.delete(`${model}:${userCode}`);
  }
}

/*
 * Records are kept the way a shared store keeps them: as JSON, so that no caller shares an
 * object with the table. (structuredClone would also do, except that its objects come from
 * another realm under a VM sandbox such as jest's, and oidc-provider's `constructor === Object`
 * checks then reject a client's stored jwks.) Serialized once on write and parsed once on
 * read: copying on both sides was a visible part of a client_credentials request's profile.
 */

export function createMemoryAdapterFactory(table: MemoryModelTable): AdapterFactory {
  return (model: string): Adapter => ({
    upsert: async (id, payload, expiresIn) => table.upsert(model, id, payload, expiresIn),
    find: async (id) => table.find(model, id),
    findByUid: async (uid) => table.findByUid(model, uid),
    findByUserCode: async (userCode) => table.findByUserCode(model, userCode),
    consume: async (id) => table.consume(model, id),
    destroy: async (id) => table.destroy(model, id),
    revokeByGrantId: async (grantId) => table.revokeByGrantId(grantId, model),
  });
}
