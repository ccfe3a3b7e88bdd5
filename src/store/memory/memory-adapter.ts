import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';
import { alreadyConsumedError, CLAIM_SECONDS, claimsOnFind, isGrantBound, revokesGrantOnReuse } from '../single-use.js';

interface Entry {
  payload: AdapterPayload;
  /** Epoch milliseconds; undefined never expires. */
  expiresAt: number | undefined;
}

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
    const stored = copy(payload);
    // A consumed mark is sticky: rewriting a record never makes it usable again.
    if (previous?.payload.consumed && !stored.consumed) stored.consumed = previous.payload.consumed;
    this.#entries.set(key, { payload: stored, expiresAt });
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
      this.#entries.set(key, { payload: { jti: id }, expiresAt: this.#now() + CLAIM_SECONDS * 1000 });
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
    if (entry.payload.consumed) {
      if (revokesGrantOnReuse(model) && entry.payload.grantId) this.revokeGrant(entry.payload.grantId);
      throw alreadyConsumedError(model);
    }
    entry.payload.consumed = Math.floor(this.#now() / 1000);
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
    return entry ? copy(entry.payload) : undefined;
  }

  #delete(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    const { grantId, uid, userCode } = entry.payload;
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

/**
 * Records are copied the way a shared store would keep them: as JSON. (structuredClone would
 * also do, except that its objects come from another realm under a VM sandbox such as jest's,
 * and oidc-provider's `constructor === Object` checks then reject a client's stored jwks.)
 */
function copy(payload: AdapterPayload): AdapterPayload {
  return JSON.parse(JSON.stringify(payload)) as AdapterPayload;
}

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
