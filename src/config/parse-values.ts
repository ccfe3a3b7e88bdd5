/** Parsers for environment values: each records a problem (all are reported at once) and falls back. */

export function parseInteger(name: string, raw: string | undefined, fallback: number, min: number, max: number, problems: string[]): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
    return fallback;
  }
  return value;
}

export function parsePort(name: string, raw: string | undefined, fallback: number, problems: string[]): number {
  return parseInteger(name, raw, fallback, 0, 65535, problems);
}

export function parseBoolean(name: string, raw: string | undefined, fallback: boolean, problems: string[]): boolean {
  if (raw === undefined) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  problems.push(`${name} must be true or false (got "${raw}")`);
  return fallback;
}

/**
 * An absolute http(s) URL without credentials: the issuer, the API's resource identifier and the
 * JWKS are all fetched or compared by HTTP clients, and a URL's credentials would end up in
 * published metadata and logs.
 */
export function parseHttpUrl(name: string, raw: string, problems: string[]): URL | undefined {
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    problems.push(`${name} must be an absolute http(s) URL (got "${raw}")`);
    return undefined;
  }
  if (url.username || url.password) {
    problems.push(`${name} must not contain credentials`);
    return undefined;
  }
  return url;
}

/**
 * An identifier that others compare as a string: the issuer (`iss`, OpenID Connect Discovery
 * §4.3, RFC 9207) and the API's resource identifier (`aud`, RFC 8707 §2). The authorization
 * server and the API on its own read it from the same variable, so both must write it the same
 * way however it was configured: lower-case scheme and host, no default port, no trailing slash.
 */
export function parseIdentifierUrl(name: string, raw: string, problems: string[]): string | undefined {
  const url = parseHttpUrl(name, raw, problems);
  if (!url) return undefined;
  if (url.search || url.hash) {
    problems.push(`${name} must not have a query or fragment`);
    return undefined;
  }
  return url.origin + url.pathname.replace(/\/+$/, '');
}

/** Where a server's Prometheus metrics are served. */
export interface MetricsConfig {
  /** Serve Prometheus metrics at /metrics. */
  readonly enabled: boolean;
  /** A separate port for /metrics; unset serves it on the server's own port. */
  readonly port: number | undefined;
  readonly host: string;
}

/** METRICS_ENABLED, METRICS_PORT and METRICS_HOST (default: `host`). */
export function parseMetricsConfig(read: (name: string) => string | undefined, host: string, problems: string[]): MetricsConfig {
  const enabled = parseBoolean('METRICS_ENABLED', read('METRICS_ENABLED'), true, problems);
  const portRaw = read('METRICS_PORT');
  const port = portRaw === undefined ? undefined : parsePort('METRICS_PORT', portRaw, 0, problems);
  return { enabled, port, host: read('METRICS_HOST') ?? host };
}
