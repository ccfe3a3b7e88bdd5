import { ConfigError } from '../config/config-error.js';
import { checkDistinctPorts, parseBoolean, parseHttpUrl, parseIdentifierUrl, parseInteger, parseMetricsConfig, parsePort, type MetricsConfig } from '../config/parse-values.js';
import { parseRedisConfig, type RedisConfig } from '../config/redis-config.js';
import { ROUTES } from '../provider/routes.js';

/** What the protected API needs when it runs on its own (src/api-main.ts): no keys, no store of its own. */
export interface ApiConfig {
  readonly host: string;
  readonly port: number;
  /** Tokens must carry this `iss`. */
  readonly issuer: string;
  /** Tokens must carry this `aud` (the API's resource indicator, RFC 8707). */
  readonly audience: string;
  readonly jwksUri: string;
  /** Behind a TLS-terminating proxy: the scheme from X-Forwarded-Proto, which DPoP proofs' `htu` names. */
  readonly trustProxy: boolean;
  /** The authorization server's Redis (the same REDIS_* settings), for the DPoP replay cache every instance shares. */
  readonly redis: RedisConfig | undefined;
  readonly logLevel: string;
  /** Its own Prometheus metrics (request latency by route): at /metrics on its port, or on METRICS_PORT. */
  readonly metrics: MetricsConfig;
}

type Env = Readonly<Record<string, string | undefined>>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'silent'];

/**
 * The same variables the authorization server reads for its built-in API (API_*, ISSUER, and PORT
 * for the default issuer), parsed and written the same way (config/load-config.ts): the issuer
 * and audience this API requires are exactly what the server puts in its tokens. TRUST_PROXY,
 * REDIS_* (for the shared DPoP replay cache), LOG_LEVEL and METRICS_* as the server reads them.
 */
export function loadApiConfig(env: Env): ApiConfig {
  const problems: string[] = [];
  const read = (name: string) => (env[name]?.trim() ? env[name]!.trim() : undefined);
  const port = parsePort('API_PORT', read('API_PORT'), 3001, problems);
  const serverPort = parsePort('PORT', read('PORT'), 3000, problems);
  const issuer = parseIdentifierUrl('ISSUER', read('ISSUER') ?? `http://localhost:${serverPort}`, problems);
  const audience = parseIdentifierUrl('API_AUDIENCE', read('API_AUDIENCE') ?? `http://localhost:${port}`, problems);
  const jwksUriRaw = read('API_JWKS_URI');
  if (jwksUriRaw) parseHttpUrl('API_JWKS_URI', jwksUriRaw, problems);
  const trustProxy = parseBoolean('TRUST_PROXY', read('TRUST_PROXY'), false, problems);
  const redis = parseRedisConfig(read, (name, raw, fallback, min, max) => parseInteger(name, raw, fallback, min, max, problems), problems);
  const logLevel = read('LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);
  const host = read('API_HOST') ?? read('HOST') ?? '127.0.0.1';
  const metrics = parseMetricsConfig(read, host, problems);
  if (metrics.enabled && metrics.port !== undefined) {
    checkDistinctPorts([{ name: 'API_PORT', host, port }, { name: 'METRICS_PORT', host: metrics.host, port: metrics.port }], problems);
  }
  if (problems.length > 0 || !issuer || !audience) throw new ConfigError(problems);
  const jwksUri = jwksUriRaw ?? `${issuer}${ROUTES.jwks}`;
  return Object.freeze({ host, port, issuer, audience, jwksUri, trustProxy, redis, logLevel, metrics: Object.freeze(metrics) });
}
