import { availableParallelism } from 'node:os';
import { parseEncryptionKeys } from '../keys/key-encryption.js';
import { GENERATE_KEYS_HINT } from '../keys/signing-keys.js';
import { areCookieKeys } from '../security/cookie-signer.js';
import { ConfigError } from './config-error.js';
import { checkDistinctPorts, parseBoolean, parseHttpUrl, parseIdentifierUrl, parseInteger, parseMetricsConfig, parsePort, type MetricsConfig } from './parse-values.js';
import { parseRedisConfig, type RedisConfig } from './redis-config.js';

export type { RedisConfig } from './redis-config.js';

export type NodeEnv = 'development' | 'test' | 'production';

export interface Config {
  readonly env: NodeEnv;
  /** Interface the authorization server binds to. */
  readonly host: string;
  readonly port: number;
  /** The issuer identifier (no trailing slash); every URL we publish is built from it, never from request headers. */
  readonly issuer: string;
  /**
   * Take the client address from X-Forwarded-For (a proxy in front of us); the protected API also
   * takes X-Forwarded-Proto/-Host. Our own scheme and host always come from the issuer.
   */
  readonly trustProxy: boolean;
  /** Unset: the embedded in-memory store (one process, lost on restart). */
  readonly redis: RedisConfig | undefined;
  /** The embedded store's bound in MB (MEMORY_STORE_MAX_MB); undefined: a quarter of V8's heap limit. */
  readonly memoryStoreMaxMB: number | undefined;
  /** Where development keys are generated and kept between restarts. */
  readonly dataDir: string;
  /** A JWKS (with private members) given directly, or by file. */
  readonly signingKeys: string | undefined;
  readonly signingKeysFile: string | undefined;
  /**
   * Keys that encrypt private signing keys in the store (AES-256-GCM), base64; the first
   * encrypts, all decrypt (rotation). Outside production, generated in DATA_DIR when unset.
   */
  readonly keysEncryptionKeys: readonly string[] | undefined;
  /** How often each instance re-reads signing keys and resource servers from the store. */
  readonly providerRefreshSeconds: number;
  /**
   * Dynamic client registration (RFC 7591): `open` to anyone (development), `initial-access-token`
   * (minted by `gatehouse token initial-access`; the production default), or `closed`.
   */
  readonly registration: 'open' | 'initial-access-token' | 'closed';
  /** Dynamic registration (RFC 7591/7592) requests allowed per client address per hour. */
  readonly registrationRateLimit: number;
  /** Keys that sign cookies; the first signs, all verify (rotation). */
  readonly cookieKeys: readonly string[] | undefined;
  /** Static clients and resource servers (JSON files), besides any development seed. */
  readonly clientsFile: string | undefined;
  readonly resourcesFile: string | undefined;
  /** Seed the demo clients, resource server and user (never in production). */
  readonly seedDemo: boolean;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';
  readonly api: {
    readonly host: string;
    readonly port: number;
    /** The protected API's resource identifier (RFC 8707) and the `aud` of its tokens. */
    readonly audience: string;
    /** Where the API fetches our JWKS; defaults to the issuer's. */
    readonly jwksUri: string | undefined;
    /** Whether `npm start` runs the API next to the authorization server. */
    readonly enabled: boolean;
  };
  /** Serving processes (node:cluster workers); 1 runs in this process. */
  readonly workers: number;
  /** How long shutdown waits for in-flight requests before cutting connections, in ms. */
  readonly shutdownGraceMs: number;
  /** Prometheus metrics: at /metrics on the authorization server's port, or on a port of their own. */
  readonly metrics: MetricsConfig;
  /** RFC 9126 §5: every authorization request must first be pushed to /oauth/par (clients can also opt in one by one). */
  readonly parRequired: boolean;
  /** RFC 8628 §3.2: seconds a device waits between token polls; sooner gets slow_down. */
  readonly devicePollIntervalSeconds: number;
  readonly passwordHash: {
    /** Argon2id memory in KiB and passes (OWASP: 19 MiB, t=2, p=1 at the least). */
    readonly memoryKiB: number;
    readonly passes: number;
  };
  /** Failed sign-ins allowed per account and per client address within `windowSeconds`. */
  readonly loginThrottle: {
    readonly accountFailures: number;
    readonly addressFailures: number;
    readonly windowSeconds: number;
  };
}

type Env = Readonly<Record<string, string | undefined>>;

const REGISTRATION_MODES: readonly Config['registration'][] = ['open', 'initial-access-token', 'closed'];
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'silent'] as const;

/**
 * Reads the environment once into a frozen, typed Config. Every bad value is collected and
 * reported together in one ConfigError, so an operator fixes them in one go.
 *
 * `for: 'cli'` reads it for the admin CLI, which serves no requests, signs no cookie and works
 * only on Redis: what only a server needs in production (an https ISSUER, COOKIE_KEYS, and
 * SIGNING_KEYS without Redis) is not required of it. Every value it is given is still checked.
 */
export function loadConfig(env: Env, machine: { cpus: number } = { cpus: availableParallelism() }, options: { for?: 'server' | 'cli' } = {}): Config {
  const server = options.for !== 'cli';
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };

  const nodeEnv = read('NODE_ENV') ?? 'development';
  if (!['development', 'test', 'production'].includes(nodeEnv)) {
    problems.push(`NODE_ENV must be development, test or production (got "${nodeEnv}")`);
  }
  const production = nodeEnv === 'production';

  const port = parsePort('PORT', read('PORT'), 3000, problems);
  const apiPort = parsePort('API_PORT', read('API_PORT'), 3001, problems);

  const issuer = parseIdentifierUrl('ISSUER', read('ISSUER') ?? `http://localhost:${port}`, problems);
  const allowHttpIssuer = parseBoolean('ALLOW_HTTP_ISSUER', read('ALLOW_HTTP_ISSUER'), false, problems);
  if (server && production && issuer?.startsWith('http:') && !allowHttpIssuer) {
    problems.push('ISSUER must use https in production (set ALLOW_HTTP_ISSUER=true only on a private network)');
  }

  // Written as the API on its own writes it (load-api-config.ts): the resource servers registered
  // here and the `aud` that API requires are the same string.
  const apiAudience = parseIdentifierUrl('API_AUDIENCE', read('API_AUDIENCE') ?? `http://localhost:${apiPort}`, problems);
  const apiJwksUri = read('API_JWKS_URI');
  if (apiJwksUri) parseHttpUrl('API_JWKS_URI', apiJwksUri, problems);

  const redis = parseRedisConfig(
    read,
    (name, raw, fallback, min, max) => parseInteger(name, raw, fallback, min, max, problems),
    problems,
  );

  const memoryStoreMaxRaw = read('MEMORY_STORE_MAX_MB');
  const memoryStoreMaxMB = memoryStoreMaxRaw === undefined ? undefined : parseInteger('MEMORY_STORE_MAX_MB', memoryStoreMaxRaw, 0, 1, 1_048_576, problems);

  const cookieKeysRaw = read('COOKIE_KEYS');
  const cookieKeys = cookieKeysRaw?.split(',').map((key) => key.trim()).filter(Boolean);
  // "," lists no key at all: refused here, or the cookie signer would fail at start.
  if (cookieKeys && !areCookieKeys(cookieKeys)) {
    problems.push('COOKIE_KEYS must be comma-separated random strings of at least 32 characters each');
  }

  const signingKeys = read('SIGNING_KEYS');
  const signingKeysFile = read('SIGNING_KEYS_FILE');
  if (signingKeys && signingKeysFile) problems.push('set SIGNING_KEYS or SIGNING_KEYS_FILE, not both');

  const seedDemo = parseBoolean('SEED_DEMO', read('SEED_DEMO'), !production, problems);
  if (production && seedDemo) problems.push('SEED_DEMO must not be true in production (it creates a user demo/demo)');
  if (server && production && !cookieKeys) {
    problems.push('COOKIE_KEYS is required in production: generate one with `openssl rand -base64 48`');
  }
  const keysEncryptionRaw = read('KEYS_ENCRYPTION_KEY');
  const keysEncryptionKeys = keysEncryptionRaw?.split(',').map((key) => key.trim()).filter(Boolean);
  if (keysEncryptionRaw) problems.push(...parseEncryptionKeys(keysEncryptionRaw).problems);
  if (production && redis && !keysEncryptionRaw) {
    problems.push('KEYS_ENCRYPTION_KEY is required in production with Redis (signing keys are stored encrypted with it): generate one with `openssl rand -base64 32`');
  }
  // With Redis, the first instance generates the key set into the store; SIGNING_KEYS only seeds it.
  if (server && production && !redis && !signingKeys && !signingKeysFile) {
    problems.push(`SIGNING_KEYS or SIGNING_KEYS_FILE is required in production without Redis: ${GENERATE_KEYS_HINT}`);
  }
  const registration = read('REGISTRATION') ?? (production ? 'initial-access-token' : 'open');
  if (!REGISTRATION_MODES.includes(registration as Config['registration'])) {
    problems.push(`REGISTRATION must be one of ${REGISTRATION_MODES.join(', ')} (got "${registration}")`);
  } else if (production && registration === 'open') {
    problems.push('REGISTRATION must not be open in production: anyone could register clients (use initial-access-token or closed)');
  }
  const registrationRateLimit = parseInteger('REGISTRATION_RATE_LIMIT', read('REGISTRATION_RATE_LIMIT'), 50, 1, 1_000_000, problems);
  const providerRefreshSeconds = parseInteger('PROVIDER_REFRESH_SECONDS', read('PROVIDER_REFRESH_SECONDS'), 5, 1, 300, problems);

  const logLevel = read('LOG_LEVEL') ?? (nodeEnv === 'test' ? 'silent' : 'info');
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);
  }

  const memoryKiB = parseInteger('PASSWORD_HASH_MEMORY_KIB', read('PASSWORD_HASH_MEMORY_KIB'), 19456, 8192, 4_194_304, problems);
  const passes = parseInteger('PASSWORD_HASH_PASSES', read('PASSWORD_HASH_PASSES'), 2, 1, 20, problems);

  // OWASP ASVS 6.3: throttle per account (slow brute force) and per address (credential stuffing).
  const accountFailures = parseInteger('LOGIN_MAX_FAILURES_PER_ACCOUNT', read('LOGIN_MAX_FAILURES_PER_ACCOUNT'), 10, 1, 10_000, problems);
  const addressFailures = parseInteger('LOGIN_MAX_FAILURES_PER_ADDRESS', read('LOGIN_MAX_FAILURES_PER_ADDRESS'), 100, 1, 1_000_000, problems);
  const windowSeconds = parseInteger('LOGIN_THROTTLE_SECONDS', read('LOGIN_THROTTLE_SECONDS'), 900, 1, 86_400, problems);

  const trustProxy = parseBoolean('TRUST_PROXY', read('TRUST_PROXY'), false, problems);
  const apiEnabled = parseBoolean('API_ENABLED', read('API_ENABLED'), true, problems);
  const parRequired = parseBoolean('PAR_REQUIRED', read('PAR_REQUIRED'), false, problems);
  const devicePollIntervalSeconds = parseInteger('DEVICE_POLL_INTERVAL', read('DEVICE_POLL_INTERVAL'), 5, 1, 60, problems);

  const workersRaw = read('WORKERS');
  const workers = workersRaw === 'auto' ? machine.cpus : parseWorkers(workersRaw, problems);
  if (workers > 1 && !redis) {
    problems.push(`WORKERS=${workersRaw} needs REDIS_URL (or REDIS_CLUSTER_NODES or REDIS_SENTINELS): the embedded store lives inside one process, so workers would not share sessions, codes or tokens (run WORKERS=1, or configure Redis)`);
  }
  const shutdownGraceMs = parseInteger('SHUTDOWN_GRACE_MS', read('SHUTDOWN_GRACE_MS'), 10_000, 0, 600_000, problems);
  const host = read('HOST') ?? '127.0.0.1';
  const metrics = parseMetricsConfig(read, host, problems);
  const apiHost = read('API_HOST') ?? host;
  checkDistinctPorts([
    { name: 'PORT', host, port },
    ...(apiEnabled ? [{ name: 'API_PORT', host: apiHost, port: apiPort }] : []),
    ...(metrics.enabled && metrics.port !== undefined ? [{ name: 'METRICS_PORT', host: metrics.host, port: metrics.port }] : []),
  ], problems);

  if (problems.length > 0 || !issuer || !apiAudience) throw new ConfigError(problems);

  return deepFreeze({
    env: nodeEnv as NodeEnv,
    host,
    port,
    issuer,
    trustProxy,
    redis,
    memoryStoreMaxMB,
    dataDir: read('DATA_DIR') ?? '.data',
    signingKeys,
    signingKeysFile,
    keysEncryptionKeys,
    providerRefreshSeconds,
    registration: registration as Config['registration'],
    registrationRateLimit,
    cookieKeys,
    clientsFile: read('CLIENTS_FILE'),
    resourcesFile: read('RESOURCES_FILE'),
    seedDemo,
    logLevel: logLevel as Config['logLevel'],
    api: {
      host: apiHost,
      port: apiPort,
      audience: apiAudience,
      jwksUri: apiJwksUri,
      enabled: apiEnabled,
    },
    workers,
    shutdownGraceMs,
    metrics,
    parRequired,
    devicePollIntervalSeconds,
    passwordHash: { memoryKiB, passes },
    loginThrottle: { accountFailures, addressFailures, windowSeconds },
  });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** WORKERS: a count, or `auto` (one per core, decided by the caller); the refusal names both. */
function parseWorkers(raw: string | undefined, problems: string[]): number {
  const count: string[] = [];
  const workers = parseInteger('WORKERS', raw, 1, 1, 256, count);
  if (count.length > 0) problems.push(`WORKERS must be auto (one per core) or a whole number from 1 to 256 (got "${raw}")`);
  return workers;
}
