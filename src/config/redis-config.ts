/** One Redis node or Sentinel address. */
export interface RedisAddress {
  readonly host: string;
  readonly port: number;
}

/** Where Redis is: one node, a Redis Cluster (seed nodes), or a master found through Sentinel. */
export type RedisTopology =
  | { readonly kind: 'single'; readonly node: RedisAddress; readonly db: number }
  | { readonly kind: 'cluster'; readonly nodes: readonly RedisAddress[] }
  | { readonly kind: 'sentinel'; readonly sentinels: readonly RedisAddress[]; readonly name: string; readonly db: number };

export interface RedisConfig {
  readonly topology: RedisTopology;
  readonly username: string | undefined;
  readonly password: string | undefined;
  /** Sentinel's own password (the `requirepass` of the sentinels), when different. */
  readonly sentinelPassword: string | undefined;
  readonly tls: boolean;
  /** Prepended to every key, so one Redis can serve several deployments. */
  readonly keyPrefix: string;
  /** The longest a single command may take before the request fails with 503. */
  readonly commandTimeoutMs: number;
  /** Bounds a TCP connect, and how long the boot waits for Redis to answer. */
  readonly connectTimeoutMs: number;
}

type Read = (name: string) => string | undefined;
type IntegerParser = (name: string, raw: string | undefined, fallback: number, min: number, max: number) => number;

const DEFAULT_PORT = 6379;
const DEFAULT_SENTINEL_PORT = 26379;

/**
 * The Redis part of the environment. Exactly one of REDIS_URL (one node), REDIS_CLUSTER_NODES
 * (a Redis Cluster) or REDIS_SENTINELS (+ REDIS_SENTINEL_NAME) selects Redis; none selects the
 * embedded store. Problems never quote a value that may hold a password.
 */
export function parseRedisConfig(read: Read, parseInteger: IntegerParser, problems: string[]): RedisConfig | undefined {
  const url = read('REDIS_URL');
  const clusterNodes = read('REDIS_CLUSTER_NODES');
  const sentinels = read('REDIS_SENTINELS');
  const chosen = [url && 'REDIS_URL', clusterNodes && 'REDIS_CLUSTER_NODES', sentinels && 'REDIS_SENTINELS'].filter(Boolean);
  if (chosen.length > 1) problems.push(`set only one of REDIS_URL, REDIS_CLUSTER_NODES and REDIS_SENTINELS (got ${chosen.join(' and ')})`);

  let username = read('REDIS_USERNAME');
  let password = read('REDIS_PASSWORD');
  let tls = parseFlag('REDIS_TLS', read('REDIS_TLS'), problems);
  const keyPrefix = read('REDIS_KEY_PREFIX') ?? 'gatehouse:';
  // Braces would become a hash tag of their own and move keys out of the slots we plan for.
  if (!/^[A-Za-z0-9:._-]{1,64}$/.test(keyPrefix)) {
    problems.push('REDIS_KEY_PREFIX must be 1 to 64 characters from A-Z a-z 0-9 : . _ - (no braces or spaces)');
  }
  const commandTimeoutMs = parseInteger('REDIS_COMMAND_TIMEOUT_MS', read('REDIS_COMMAND_TIMEOUT_MS'), 1000, 50, 60_000);
  const connectTimeoutMs = parseInteger('REDIS_CONNECT_TIMEOUT_MS', read('REDIS_CONNECT_TIMEOUT_MS'), 10_000, 100, 120_000);
  const sentinelName = read('REDIS_SENTINEL_NAME');
  const sentinelPassword = read('REDIS_SENTINEL_PASSWORD');
  if (sentinelName && !sentinels) problems.push('REDIS_SENTINEL_NAME is set but REDIS_SENTINELS is not');
  const dbRaw = read('REDIS_DB');
  if (dbRaw !== undefined && !sentinels) {
    problems.push(clusterNodes ? 'REDIS_DB cannot be used with REDIS_CLUSTER_NODES: Redis Cluster has only database 0' : 'REDIS_DB is for Sentinel; with REDIS_URL put the database in its path (redis://host:6379/2)');
  }

  let topology: RedisTopology | undefined;
  if (url) {
    const parsed = parseRedisUrl(url, problems);
    if (parsed) {
      if (parsed.password !== undefined && password !== undefined) problems.push('set the Redis password in REDIS_URL or REDIS_PASSWORD, not both');
      username = parsed.username ?? username;
      password = parsed.password ?? password;
      tls ||= parsed.tls;
      topology = { kind: 'single', node: parsed.node, db: parsed.db };
    }
  } else if (clusterNodes) {
    const nodes = parseAddresses('REDIS_CLUSTER_NODES', clusterNodes, DEFAULT_PORT, problems);
    topology = { kind: 'cluster', nodes };
  } else if (sentinels) {
    const addresses = parseAddresses('REDIS_SENTINELS', sentinels, DEFAULT_SENTINEL_PORT, problems);
    if (!sentinelName) problems.push('REDIS_SENTINEL_NAME is required with REDIS_SENTINELS (the master group name, e.g. mymaster)');
    const db = parseInteger('REDIS_DB', dbRaw, 0, 0, 15);
    topology = { kind: 'sentinel', sentinels: addresses, name: sentinelName ?? '', db };
  }
  if (!topology) return undefined;

  return {
    topology,
    username,
    password,
    sentinelPassword,
    tls,
    keyPrefix,
    commandTimeoutMs,
    connectTimeoutMs,
  };
}

/** Where Redis is, for logs: never credentials. */
export function describeRedisTarget(config: RedisConfig): string {
  const list = (nodes: readonly RedisAddress[]) => nodes.map(formatAddress).join(',');
  const scheme = config.tls ? 'rediss' : 'redis';
  switch (config.topology.kind) {
    case 'single': return `${scheme}://${formatAddress(config.topology.node)}/${config.topology.db}`;
    case 'cluster': return `cluster via ${list(config.topology.nodes)}`;
    case 'sentinel': return `sentinel master "${config.topology.name}" via ${list(config.topology.sentinels)}`;
  }
}

function formatAddress(address: RedisAddress): string {
  return `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
}

function parseRedisUrl(raw: string, problems: string[]) {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push('REDIS_URL must be an absolute URL like redis://host:6379 (the value is not shown: it may hold a password)');
    return undefined;
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    problems.push('REDIS_URL must start with redis:// or rediss://');
    return undefined;
  }
  const dbText = url.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!/^\d{0,2}$/.test(dbText) || db > 15) problems.push('REDIS_URL path must be a database number from 0 to 15 (or nothing)');
  if (url.search || url.hash) problems.push('REDIS_URL must not have a query or fragment');
  // redis:// alone, or redis:///2, would quietly mean localhost:6379.
  if (url.hostname === '') problems.push('REDIS_URL must name a host, like redis://host:6379');
  return {
    node: { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port ? Number(url.port) : DEFAULT_PORT },
    db: Number.isInteger(db) ? db : 0,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    tls: url.protocol === 'rediss:',
  };
}

/** `host:port,host:port` (IPv6 as `[::1]:7000`); a missing port takes the default. */
function parseAddresses(name: string, raw: string, defaultPort: number, problems: string[]): RedisAddress[] {
  const addresses: RedisAddress[] = [];
  for (const entry of raw.split(',').map((part) => part.trim()).filter(Boolean)) {
    const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+))(?::(\d{1,5}))?$/.exec(entry);
    const port = match?.[3] === undefined ? defaultPort : Number(match[3]);
    if (!match || port < 1 || port > 65535) {
      // An entry holding "@" may be a URL with a password: never echo it.
      problems.push(`${name} must be a comma-separated list of host:port (got ${entry.includes('@') ? 'an entry with credentials; use REDIS_USERNAME/REDIS_PASSWORD' : `"${entry}"`})`);
      continue;
    }
    addresses.push({ host: match[1] ?? match[2]!, port });
  }
  if (addresses.length === 0 && !problems.some((problem) => problem.startsWith(name))) problems.push(`${name} lists no host:port`);
  return addresses;
}

function parseFlag(name: string, raw: string | undefined, problems: string[]): boolean {
  if (raw === undefined || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  problems.push(`${name} must be true or false (got "${raw}")`);
  return false;
}
