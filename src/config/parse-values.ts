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

/**
 * 0 (any free port) is refused: the default issuer and API audience, and whatever scrapes the
 * metrics, name the port before anything listens.
 */
export function parsePort(name: string, raw: string | undefined, fallback: number, problems: string[]): number {
  return parseInteger(name, raw, fallback, 1, 65535, problems);
}

export interface Listener {
  /** The variable that sets its port. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

// Listening on every interface takes the port on each of them.
const EVERY_INTERFACE = new Set(['0.0.0.0', '::']);

/** Two listeners on one port of one interface: the second would fail to listen (EADDRINUSE) after the first opened. */
export function checkDistinctPorts(listeners: readonly Listener[], problems: string[]): void {
  listeners.forEach((listener, index) => {
    const taken = listeners.slice(0, index).find((other) => other.port === listener.port
      && (other.host === listener.host || EVERY_INTERFACE.has(other.host) || EVERY_INTERFACE.has(listener.host)));
    if (taken) {
      const hosts = taken.host === listener.host ? taken.host : `${taken.host} and ${listener.host}`;
      problems.push(`${listener.name} must differ from ${taken.name} (both ${listener.port} on ${hosts}): each server needs a port of its own`);
    }
  });
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
  return identifierForm(url);
}

/**
 * How an identifier URL is written wherever it is registered or configured (ISSUER, API_AUDIENCE,
 * resource server audiences), so one identifier has one spelling: http(s) URLs with lower-case
 * scheme and host, no default port and no trailing slash; other URIs (urn:…) as the URL parser
 * writes them (lower-case scheme).
 */
export function identifierForm(url: URL): string {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return url.href;
  // A slash before a query stays: `https://a.example/?q` is not written `https://a.example?q`.
  return url.origin + (url.search ? url.pathname : url.pathname.replace(/\/+$/, '')) + url.search;
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
