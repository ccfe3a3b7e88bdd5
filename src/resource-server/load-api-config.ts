import { ConfigError } from '../config/config-error.js';
import { parseMetricsConfig, parsePort, type MetricsConfig } from '../config/parse-values.js';
import { ROUTES } from '../provider/routes.js';

/** What the protected API needs when it runs on its own (src/api-main.ts): no keys, no store. */
export interface ApiConfig {
  readonly host: string;
  readonly port: number;
  /** Tokens must carry this `iss`. */
  readonly issuer: string;
  /** Tokens must carry this `aud` (the API's resource indicator, RFC 8707). */
  readonly audience: string;
  readonly jwksUri: string;
  readonly logLevel: string;
  /** Its own Prometheus metrics (request latency by route): at /metrics on its port, or on METRICS_PORT. */
  readonly metrics: MetricsConfig;
}

type Env = Readonly<Record<string, string | undefined>>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'silent'];

/** The same variables the authorization server reads for its built-in API (API_*, ISSUER), and LOG_LEVEL and METRICS_* as it reads them for itself. */
export function loadApiConfig(env: Env): ApiConfig {
  const problems: string[] = [];
  const read = (name: string) => (env[name]?.trim() ? env[name]!.trim() : undefined);
  const url = (name: string, raw: string) => {
    if (!URL.canParse(raw) || !/^https?:$/.test(new URL(raw).protocol)) problems.push(`${name} must be an absolute http(s) URL (got "${raw}")`);
    return raw.replace(/\/+$/, '');
  };
  const port = parsePort('API_PORT', read('API_PORT'), 3001, problems);
  const issuer = url('ISSUER', read('ISSUER') ?? 'http://localhost:3000');
  const audience = url('API_AUDIENCE', read('API_AUDIENCE') ?? `http://localhost:${port}`);
  const jwksUri = url('API_JWKS_URI', read('API_JWKS_URI') ?? `${issuer}${ROUTES.jwks}`);
  const logLevel = read('LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);
  const host = read('API_HOST') ?? read('HOST') ?? '127.0.0.1';
  const metrics = parseMetricsConfig(read, host, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({ host, port, issuer, audience, jwksUri, logLevel, metrics: Object.freeze(metrics) });
}
