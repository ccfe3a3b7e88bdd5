/**
 * Every Redis key Gatehouse writes (docs/storage.md lists them with types and TTLs).
 *
 * Redis Cluster runs a multi-key command or script only when all its keys hash to one slot,
 * and the slot of a key with `{...}` in it is the hash of the text between the braces. A
 * record must be found from its id alone, an index from the value it indexes, and a grant's
 * token list from the grant id, so those keys cannot share a slot. The rule we keep instead:
 *
 * - every script and command touches exactly one key, tagged with the id it is named by
 *   (`{<id>}`), except the account scripts, whose keys all share the `{accounts}` tag;
 * - an operation over several keys is made of single-slot calls, arranged so that stopping
 *   half-way leaves at worst an index entry pointing at nothing, which readers ignore and which
 *   expires with the record it indexed: upsert sends the record and its indexes together and
 *   fails unless all were written (a token missing from its grant's index is never handed
 *   out); destroy takes the record, then its indexes; revoke destroys the member records, then
 *   the grant index.
 */
export interface RedisKeys {
  /** HASH {payload: JSON, consumed?: epoch seconds} of one oidc-provider model instance. */
  record(model: string, id: string): string;
  /** STRING id: Session by its `uid`. */
  uidIndex(model: string, uid: string): string;
  /** STRING id: DeviceCode by its `userCode`. */
  userCodeIndex(model: string, userCode: string): string;
  /** ZSET member "<Model> <id>" scored by expiry (epoch ms): the tokens of one grant. */
  grantIndex(grantId: string): string;
  /** STRING "1": a claimed replay-cache key (DPoP proof jti, device poll), until it expires. */
  replay(key: string): string;
  /** HASH account id -> JSON AccountRecord. */
  readonly accountsById: string;
  /** HASH normalized username -> account id. */
  readonly accountsByUsername: string;
  /** SCAN pattern matching every record of one model (the admin CLI lists `Client` records with it). */
  recordPattern(model: string): string;
  /** The id of a record key that matched recordPattern(model). */
  recordId(model: string, key: string): string;
  /** HASH {version, record: JSON KeySetRecord}: the signing keys, private parts sealed. */
  readonly keySet: string;
  /** HASH audience -> JSON ResourceServer: resource servers registered by the admin CLI. */
  readonly resourceServers: string;
  /** Everything this deployment owns starts with this (SCAN pattern for tooling). */
  readonly prefix: string;
}

/**
 * An id as it stands between the braces of a key. Ids can come from requests (a client_id in a
 * Basic header, a token being revoked), so they may hold braces themselves: Redis Cluster would
 * then hash another part of the key than the id, and ioredis and Redis disagree on keys such as
 * `{}a}` (the request got a MOVED, answered as a storage failure). Braces and the escape
 * character are percent-encoded; every id we generate (base64url, UUIDs) stays as it is.
 */
export function hashTag(id: string): string {
  return /[{}%]/.test(id) ? id.replace(/[{}%]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`) : id;
}

/** The id a hashTag stands for. */
export function fromHashTag(tag: string): string {
  return tag.includes('%') ? tag.replace(/%(25|7B|7D)/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))) : tag;
}

export function createRedisKeys(prefix: string): RedisKeys {
  return {
    prefix,
    record: (model, id) => `${prefix}${model}:{${hashTag(id)}}`,
    uidIndex: (model, uid) => `${prefix}${model}:uid:{${hashTag(uid)}}`,
    userCodeIndex: (model, userCode) => `${prefix}${model}:user-code:{${hashTag(userCode)}}`,
    grantIndex: (grantId) => `${prefix}grant-tokens:{${hashTag(grantId)}}`,
    replay: (key) => `${prefix}replay:{${hashTag(key)}}`,
    accountsById: `${prefix}{accounts}:by-id`,
    accountsByUsername: `${prefix}{accounts}:by-username`,
    // The prefix is checked to hold no glob characters (redis-config.ts).
    recordPattern: (model) => `${prefix}${model}:{*}`,
    recordId: (model, key) => fromHashTag(key.slice(`${prefix}${model}:{`.length, -1)),
    keySet: `${prefix}{key-set}`,
    resourceServers: `${prefix}{resource-servers}`,
  };
}

/** The grant index member naming one record; the model comes first so revoke can filter by it. */
export function grantMember(model: string, id: string): string {
  return `${model} ${id}`;
}

export function parseGrantMember(member: string): { model: string; id: string } {
  const space = member.indexOf(' ');
  return { model: member.slice(0, space), id: member.slice(space + 1) };
}
