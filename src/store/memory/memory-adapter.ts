import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';
import { alreadyConsumedError, CLAIM_SECONDS, claimsOnFind, CONSUME_HEADROOM_BYTES, isGrantBound, revokesGrantOnReuse } from '../single-use.js';
import { undoIfRequestFails } from '../request-undo.js';
import { storedLifetime } from '../retention.js';
import { StoreUnavailableError } from '../store-errors.js';
import type { StoreUsage } from '../store.js';

/**
 * A record as a shared store keeps it: serialized (see `copy` below for why), plus what the
 * table's own indexes and the single-use mark need without parsing it.
 */
interface Entry {
  json: string;
  /** Epoch seconds when consumed; sticky. */
  consumed: number | undefined;
  /** Which consume() set `consumed`: only that one may give it back. */
  consumedBy?: object | undefined;
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
 * What a record takes of the heap, estimated: its key and JSON (one byte a character: they are
 * ASCII or nearly so) and about this much for the entry object, the map slots and the indexes.
 * Measured: 477 bytes for a client_credentials token (266 of key and JSON), 1,058 for an
 * interaction (736).
 */
const RECORD_OVERHEAD_BYTES = 256;
const recordBytes = (key: string, entry: Entry) => key.length + entry.json.length + RECORD_OVERHEAD_BYTES;

/** While full, expired records are looked for at most this often before a new record is refused. */
const RECLAIM_INTERVAL_MS = 5000;

/**
 * Records the periodic sweep looks at before it lets other work run: about 2 ms where all have
 * expired (deleting one took about 0.8 µs among 2 million). In one piece, a sweep of 2 million
 * records that had all expired held the event loop for 1.3 to 1.6 s.
 */
const SWEEP_SLICE = 2_000;

const isExpired = (entry: Entry, now: number) => entry.expiresAt !== undefined && entry.expiresAt <= now;

export interface MemoryModelTableOptions {
  now?: () => number;
  /**
   * The most the records may take (estimated as above). Beyond it, new records are refused with
   * StoreUnavailableError (503) until some expire or are deleted; the records already held stay
   * readable and writable, and are used up only with room to spare (CONSUME_HEADROOM_BYTES).
   * Without a bound, tokens issued faster than they expire would grow the heap until V8 ends
   * the process, and every record with it.
   */
  maxBytes?: number;
  /** Called each time a record is refused, or refused its use, for want of room. */
  onFull?: (usage: StoreUsage) => void;
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
  readonly #maxBytes: number;
  readonly #onFull: MemoryModelTableOptions['onFull'];
  #bytes = 0;
  #reclaimedAt = -Infinity;
  #sweeping: Promise<void> | undefined;

  constructor(options: MemoryModelTableOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#maxBytes = options.maxBytes ?? Infinity;
    this.#onFull = options.onFull;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The records, their estimated size in bytes and the bound (see maxBytes). */
  usage(): StoreUsage {
    return { bytes: this.#bytes, maxBytes: this.#maxBytes, records: this.#entries.size };
  }

  upsert(model: string, id: string, payload: AdapterPayload, expiresIn: number | undefined): void {
    const key = `${model}:${id}`;
    const previous = this.#live(key);
    const expiresAt = expiresIn ? this.#now() + storedLifetime(model, expiresIn) * 1000 : undefined;
    // A consumed mark is sticky: rewriting a record never makes it usable again.
    this.#put(key, entryOf(payload, expiresAt, payload.consumed || previous?.consumed), previous);
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
      // Refused when full like any new record: answering "not seen" without recording it would let a replay through.
      this.#put(key, entryOf({ jti: id }, this.#now() + CLAIM_SECONDS * 1000, undefined), undefined);
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
   * that vanished since it was read (expired, or revoked by a concurrent loser) fails too. A
   * table without room for what the redemption stores refuses (503) and leaves it unused.
   * Returns what takes this consumption back (request-undo.ts), while nothing rewrote the record.
   */
  consume(model: string, id: string): () => void {
    const key = `${model}:${id}`;
    const entry = this.#live(key);
    if (!entry) throw alreadyConsumedError(model);
    if (entry.consumed) {
      if (revokesGrantOnReuse(model) && entry.grantId) this.revokeGrant(entry.grantId);
      throw alreadyConsumedError(model);
    }
    this.#ensureRoom(CONSUME_HEADROOM_BYTES);
    const marker = {};
    entry.consumed = Math.floor(this.#now() / 1000);
    entry.consumedBy = marker;
    return () => {
      if (this.#entries.get(key) !== entry || entry.consumedBy !== marker) return;
      entry.consumed = undefined;
      entry.consumedBy = undefined;
    };
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

  /** Drops expired records, in one piece (a full table needs the room now). */
  sweep(): void {
    this.#dropExpired(this.#entries.entries(), this.#now(), Infinity);
  }

  /**
   * Drops expired records SWEEP_SLICE at a time, letting requests run in between; the embedded
   * store calls it on a timer. While one runs, a second call gets the running one.
   */
  sweepInSlices(): Promise<void> {
    return (this.#sweeping ??= this.#sweepSlices().finally(() => {
      this.#sweeping = undefined;
    }));
  }

  async #sweepSlices(): Promise<void> {
    // A Map's iterator survives deletes and inserts between slices (records added meanwhile are visited too).
    const entries = this.#entries.entries();
    while (this.#dropExpired(entries, this.#now(), SWEEP_SLICE)) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Deletes the expired among the next `count` records of `entries`; false once none are left. */
  #dropExpired(entries: MapIterator<[string, Entry]>, now: number, count: number): boolean {
    for (let seen = 0; seen < count; seen++) {
      const next = entries.next();
      if (next.done) return false;
      const [key, entry] = next.value;
      if (isExpired(entry, now)) this.#delete(key);
    }
    return true;
  }

  /**
   * Stores the entry in place of `previous` (the live entry under that key, if any). A record
   * already held may always be rewritten (sessions and interactions record their steps); a new
   * one must fit.
   */
  #put(key: string, entry: Entry, previous: Entry | undefined): void {
    if (previous) this.#bytes -= recordBytes(key, previous);
    else this.#ensureRoom(recordBytes(key, entry));
    this.#bytes += recordBytes(key, entry);
    this.#entries.set(key, entry);
  }

  /** Throws StoreUnavailableError unless `size` more bytes fit within maxBytes. */
  #ensureRoom(size: number): void {
    if (this.#bytes + size <= this.#maxBytes) return;
    // Expired records not yet swept may be what fills it (a sweep of millions takes a while: not on every refusal).
    const now = this.#now();
    if (now - this.#reclaimedAt >= RECLAIM_INTERVAL_MS) {
      this.#reclaimedAt = now;
      this.sweep();
      if (this.#bytes + size <= this.#maxBytes) return;
    }
    this.#onFull?.(this.usage());
    throw new StoreUnavailableError({ cause: new Error('the embedded store is full') });
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (isExpired(entry, this.#now())) {
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
    this.#bytes -= recordBytes(key, entry);
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
    consume: async (id) => {
      const undo = table.consume(model, id);
      undoIfRequestFails(async () => undo());
    },
    destroy: async (id) => table.destroy(model, id),
    revokeByGrantId: async (grantId) => table.revokeByGrantId(grantId, model),
  });
}
