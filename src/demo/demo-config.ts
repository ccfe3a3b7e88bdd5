import { ConfigError } from '../config/config-error.js';

/** The demo relying party's settings, read once from the environment. */
export interface DemoConfig {
  readonly host: string;
  readonly port: number;
  /** Gatehouse's issuer identifier: what browsers see and what `iss` says. */
  readonly issuer: string;
  /**
   * Where this server reaches the issuer, when the issuer's own URL does not resolve from here
   * (in docker compose, `http://localhost:3000` is the demo's own container). Requests to the
   * issuer's origin are sent here instead; the issuer identifier itself never changes.
   */
  readonly issuerInternalUrl: string | undefined;
  /** Unset: the demo registers itself (RFC 7591) when it first needs the authorization server. */
  readonly clientId: string | undefined;
  readonly clientSecret: string | undefined;
  /** Where the demo calls the protected API. */
  readonly apiUrl: string;
  /** The API's resource indicator (RFC 8707): the `aud` of the access tokens it accepts. */
  readonly apiResource: string;
  readonly redirectUri: string;
  /** Where Gatehouse sends the user after signing out: the demo's home page. */
  readonly postLogoutRedirectUri: string;
  readonly scope: string;
  readonly logLevel: string;
}

type Env = Readonly<Record<string, string | undefined>>;

// offline_access: a refresh token (oidc-provider grants it only with prompt=consent, which the demo sends).
const SCOPE = 'openid profile email offline_access api:read api:write';
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'silent'];

/** Reads the DEMO_* variables; every bad value is reported together in one ConfigError. */
export function loadDemoConfig(env: Env): DemoConfig {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  // Identifiers lose a trailing slash (as ISSUER and API_AUDIENCE do); a redirect URI is kept exactly as registered.
  const url = (name: string, fallback: string, exact = false): string => {
    const raw = read(name) ?? fallback;
    try {
      const parsed = new URL(raw);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') problems.push(`${name} must be an http(s) URL (got "${raw}")`);
      else if (parsed.username || parsed.password) problems.push(`${name} must not contain credentials`);
      else if (parsed.hash) problems.push(`${name} must not have a fragment`);
      return exact ? raw : parsed.href.replace(/\/$/, '');
    } catch {
      problems.push(`${name} must be an absolute URL (got "${raw}")`);
      return fallback;
    }
  };

  const rawPort = read('DEMO_PORT') ?? '3002';
  const portValid = /^\d+$/.test(rawPort) && Number(rawPort) <= 65535;
  if (!portValid) problems.push(`DEMO_PORT must be a whole number from 0 to 65535 (got "${rawPort}")`);
  // A bad DEMO_PORT is reported once, not again through the redirect URI derived from it.
  const port = portValid ? Number(rawPort) : 3002;

  const issuer = url('DEMO_ISSUER', 'http://localhost:3000');
  const internal = read('DEMO_ISSUER_INTERNAL_URL') === undefined ? undefined : url('DEMO_ISSUER_INTERNAL_URL', '');
  const apiUrl = url('DEMO_API_URL', 'http://localhost:3001');
  const apiResource = url('DEMO_API_RESOURCE', apiUrl);
  const redirectUri = url('DEMO_REDIRECT_URI', `http://localhost:${port}/callback`, true);
  if (problems.length === 0 && new URL(redirectUri).search) problems.push('DEMO_REDIRECT_URI must not have a query');

  const clientId = read('DEMO_CLIENT_ID');
  const clientSecret = read('DEMO_CLIENT_SECRET');
  if (clientSecret && !clientId) problems.push('DEMO_CLIENT_SECRET is set but DEMO_CLIENT_ID is not');
  if (clientId && !clientSecret) problems.push('DEMO_CLIENT_ID needs DEMO_CLIENT_SECRET (the demo is a confidential client)');

  const logLevel = read('LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);

  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    host: read('DEMO_HOST') ?? '127.0.0.1',
    port,
    issuer,
    issuerInternalUrl: internal,
    clientId,
    clientSecret,
    apiUrl,
    apiResource,
    redirectUri,
    postLogoutRedirectUri: `${new URL(redirectUri).origin}/`,
    scope: SCOPE,
    logLevel,
  });
}
