import type { RedisClient } from './connection.js';

/**
 * The Lua scripts of the Redis store. Redis runs a script atomically, which is what makes
 * single use and replay detection safe across any number of server instances. Each script
 * touches one key, or only keys sharing the `{accounts}` hash tag (Redis Cluster: one slot).
 *
 * A script that adds data must make its first write one that adds (HSET, ZADD...), never a
 * DEL or ZREMRANGEBYSCORE. Over `maxmemory`, Redis refuses such a command in a script only
 * while the script has written nothing; after any write, even a DEL of a missing key, the
 * script writes on. Our upsert began with DEL and so wrote past maxmemory without limit
 * (Redis 7.0; test/redis/maxmemory.test.ts).
 */
const SCRIPTS = {
  /**
   * KEYS[1] record. ARGV: payload JSON, ttl seconds (0 = never expires), consumed (epoch
   * seconds or ''). A consumed mark is sticky: rewriting a record never makes it usable again.
   */
  gatehouseUpsert: {
    numberOfKeys: 1,
    lua: `
      local consumed = redis.call('HGET', KEYS[1], 'consumed')
      if not consumed and ARGV[3] ~= '' then consumed = ARGV[3] end
      if consumed then
        redis.call('HSET', KEYS[1], 'payload', ARGV[1], 'consumed', consumed)
      else
        redis.call('HSET', KEYS[1], 'payload', ARGV[1])
      end
      local ttl = tonumber(ARGV[2])
      if ttl > 0 then redis.call('EXPIRE', KEYS[1], ttl) else redis.call('PERSIST', KEYS[1]) end
      return 1`,
  },
  /**
   * KEYS[1] record. ARGV: now (epoch seconds), headroom (bytes), marker (who consumed it, for
   * gatehouseUnconsume). The check and the mark are one step, so of any number of concurrent
   * callers exactly one gets {1}.
   * Returns {0} when the record is gone, {1} when this call consumed it, {2, payload} when
   * it was consumed before (the payload names the grant to revoke), and {3} when Redis has a
   * maxmemory and less than `headroom` below it: Redis takes writes until it is over its
   * limit, so the mark would go in and the tokens the redemption then stores be refused,
   * spending the code. Memory as Redis counts it for that limit (INFO memory: used_memory
   * less mem_not_counted_for_evict). Where INFO is not allowed (an ACL without @dangerous, a
   * renamed command), the check is skipped and Redis's own refusal over the limit remains.
   */
  gatehouseConsume: {
    numberOfKeys: 1,
    lua: `
      local payload = redis.call('HGET', KEYS[1], 'payload')
      if not payload then return {0} end
      if redis.call('HEXISTS', KEYS[1], 'consumed') == 1 then return {2, payload} end
      local memory = redis.pcall('INFO', 'memory')
      local max = type(memory) == 'string' and tonumber(string.match(memory, 'maxmemory:(%d+)')) or 0
      if max > 0 then
        local used = tonumber(string.match(memory, 'used_memory:(%d+)')) - (tonumber(string.match(memory, 'mem_not_counted_for_evict:(%d+)')) or 0)
        if used + tonumber(ARGV[2]) > max then return {3} end
      end
      redis.call('HSET', KEYS[1], 'consumed', ARGV[1], 'consumedBy', ARGV[3])
      return {1}`,
  },
  /**
   * KEYS[1] record. ARGV: marker. Takes back a consumption made with this marker (a request
   * that failed after it, request-undo.ts), and nothing else: not another caller's, and not one
   * the record had before. Returns 1 when taken back.
   */
  gatehouseUnconsume: {
    numberOfKeys: 1,
    lua: `
      if redis.call('HGET', KEYS[1], 'consumedBy') ~= ARGV[1] then return 0 end
      redis.call('HDEL', KEYS[1], 'consumed', 'consumedBy')
      return 1`,
  },
  /**
   * KEYS[1] record. ARGV: placeholder payload JSON, ttl seconds. Returns the payload when the
   * record exists; otherwise writes the placeholder and returns nil, so of concurrent callers
   * exactly one sees nothing (replay detection, see single-use.ts).
   */
  gatehouseClaim: {
    numberOfKeys: 1,
    lua: `
      local payload = redis.call('HGET', KEYS[1], 'payload')
      if payload then return payload end
      redis.call('HSET', KEYS[1], 'payload', ARGV[1])
      redis.call('EXPIRE', KEYS[1], ARGV[2])
      return nil`,
  },
  /** KEYS[1] record. Deletes it and returns its payload (nil when there was none). */
  gatehouseTake: {
    numberOfKeys: 1,
    lua: `
      local payload = redis.call('HGET', KEYS[1], 'payload')
      redis.call('DEL', KEYS[1])
      return payload`,
  },
  /** KEYS[1] index. ARGV: id. Deletes the index only while it still points at this id. */
  gatehouseDeleteIfEquals: {
    numberOfKeys: 1,
    lua: `
      if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
      return 0`,
  },
  /**
   * KEYS[1] grant index (ZSET member -> expiry in epoch ms, Redis clock). ARGV: member, ttl
   * seconds (0 = never). Drops expired members and lets the index expire with its
   * longest-lived member, so it never outlives what it indexes.
   */
  gatehouseGrantIndexAdd: {
    numberOfKeys: 1,
    lua: `
      local never = 4503599627370496
      local time = redis.call('TIME')
      local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
      local ttl = tonumber(ARGV[2])
      local expiresAt = never
      if ttl > 0 then expiresAt = now + ttl * 1000 end
      redis.call('ZADD', KEYS[1], expiresAt, ARGV[1])
      redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
      local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
      local latest = tonumber(last[2])
      if latest >= never then
        redis.call('PERSIST', KEYS[1])
      else
        redis.call('PEXPIREAT', KEYS[1], latest)
      end
      return 1`,
  },
  /** KEYS: byId, byUsername. ARGV: id, username, JSON. Returns 0 when the id or username is taken. */
  gatehouseAccountCreate: {
    numberOfKeys: 2,
    lua: `
      if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 or redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
      redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
      redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
      return 1`,
  },
  /** KEYS: byId, byUsername. ARGV: id, username, JSON. Returns 0 unless that id holds that username. */
  gatehouseAccountUpdate: {
    numberOfKeys: 2,
    lua: `
      if redis.call('HGET', KEYS[2], ARGV[2]) ~= ARGV[1] or redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
      redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
      return 1`,
  },
  /** KEYS: byId. ARGV: id, expected JSON, next JSON. Compare-and-set; returns 1 when replaced. */
  gatehouseAccountReplaceIf: {
    numberOfKeys: 1,
    lua: `
      if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
      redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
      return 1`,
  },
  /** KEYS: byId, byUsername. ARGV: id. Returns 1 when deleted. */
  gatehouseAccountDelete: {
    numberOfKeys: 2,
    lua: `
      local json = redis.call('HGET', KEYS[1], ARGV[1])
      if not json then return 0 end
      local username = cjson.decode(json).username
      redis.call('HDEL', KEYS[1], ARGV[1])
      if redis.call('HGET', KEYS[2], username) == ARGV[1] then redis.call('HDEL', KEYS[2], username) end
      return 1`,
  },
  /** KEYS: byId, byUsername. ARGV: username. The account JSON in one round trip, or nil. */
  gatehouseAccountByUsername: {
    numberOfKeys: 2,
    lua: `
      local id = redis.call('HGET', KEYS[2], ARGV[1])
      if not id then return nil end
      return redis.call('HGET', KEYS[1], id)`,
  },
} as const;

type ScriptName = keyof typeof SCRIPTS;
type Arg = string | number;

/** Calls one of our scripts by name (EVALSHA, falling back to EVAL when Redis lost its cache). */
export type ScriptRunner = (name: ScriptName, keys: readonly string[], args: readonly Arg[]) => Promise<unknown>;

export function defineScripts(client: RedisClient): ScriptRunner {
  for (const [name, script] of Object.entries(SCRIPTS)) {
    client.defineCommand(name, { numberOfKeys: script.numberOfKeys, lua: script.lua });
  }
  const commands = client as unknown as Record<ScriptName, (...args: Arg[]) => Promise<unknown>>;
  return (name, keys, args) => commands[name](...keys, ...args);
}
