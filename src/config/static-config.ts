import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClientMetadata } from 'oidc-provider';
import type { NewAccount } from '../accounts/account-service.js';
import type { ResourceServer } from '../provider/resource-servers.js';
import { MAX_ACCESS_TOKEN_TTL } from '../provider/ttl.js';
import { OIDC_SCOPES } from '../provider/scopes.js';
import { ConfigError } from './config-error.js';
import type { Config } from './load-config.js';

export interface StaticConfig {
  readonly clients: readonly ClientMetadata[];
  readonly resourceServers: readonly ResourceServer[];
  /** Development seed users (created if absent); always empty in production. */
  readonly seedUsers: readonly NewAccount[];
}

/** The demo API's scopes, used when the development seed registers it as a resource server. */
export const DEMO_API_SCOPES = {
  'api:read': 'Read your data in the Gatehouse demo API',
  'api:write': 'Change your data in the Gatehouse demo API',
} as const;

/**
 * Static clients, resource servers and seed users from config/ files. Problems in every file
 * are reported together, at boot.
 */
export async function loadStaticConfig(config: Config, configDir: string): Promise<StaticConfig> {
  const problems: string[] = [];
  const clients: ClientMetadata[] = [];
  const resourceServers: ResourceServer[] = [];
  const seedUsers: NewAccount[] = [];

  if (config.clientsFile) {
    const list = await readJsonArray(config.clientsFile, 'CLIENTS_FILE', problems);
    clients.push(...(list as ClientMetadata[]));
  }
  if (config.resourcesFile) {
    const list = await readJsonArray(config.resourcesFile, 'RESOURCES_FILE', problems);
    list.forEach((entry, index) => {
      const server = parseResourceServer(entry, `RESOURCES_FILE entry #${index}`, problems);
      if (server) resourceServers.push(server);
    });
  }
  if (config.seedDemo) {
    const seed = await readJson(join(configDir, 'development.json'), 'development seed', problems) as
      { clients?: ClientMetadata[]; users?: NewAccount[] } | undefined;
    clients.push(...(seed?.clients ?? []));
    seedUsers.push(...(seed?.users ?? []));
    if (!resourceServers.some((server) => server.audience === config.api.audience)) {
      resourceServers.push({ audience: config.api.audience, scopes: DEMO_API_SCOPES, accessTokenFormat: 'jwt', accessTokenTTL: 3600 });
    }
  }

  const ids = new Set<string>();
  clients.forEach((client, index) => {
    if (!client || typeof client.client_id !== 'string' || client.client_id === '') problems.push(`client #${index} has no client_id`);
    else if (ids.has(client.client_id)) problems.push(`client_id "${client.client_id}" is defined twice`);
    else ids.add(client.client_id);
  });

  if (problems.length > 0) throw new ConfigError(problems);
  return { clients, resourceServers, seedUsers };
}

/** A resource server from untrusted JSON (a file, the admin CLI), or undefined with `problems` said. */
export function parseResourceServer(entry: unknown, label: string, problems: string[]): ResourceServer | undefined {
  const e = entry as Partial<ResourceServer> | undefined;
  const before = problems.length;
  // RFC 8707 §2: an absolute URI without a fragment.
  if (!e || typeof e.audience !== 'string' || !URL.canParse(e.audience) || e.audience.includes('#')) {
    problems.push(`${label}: audience must be an absolute URL without a fragment`);
  }
  if (!e?.scopes || typeof e.scopes !== 'object' || Object.values(e.scopes).some((text) => typeof text !== 'string')) {
    problems.push(`${label}: scopes must map each scope to a description`);
  } else {
    const names = Object.keys(e.scopes);
    if (names.length === 0) problems.push(`${label}: define at least one scope`);
    // RFC 6749 §3.3 scope-token: printable ASCII without space, " or \.
    const malformed = names.filter((name) => !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(name));
    if (malformed.length > 0) problems.push(`${label}: scope names must be printable ASCII without spaces, quotes or backslashes (${malformed.map((name) => JSON.stringify(name)).join(', ')})`);
    const reserved = names.filter((name) => (OIDC_SCOPES as readonly string[]).includes(name));
    if (reserved.length > 0) problems.push(`${label}: ${reserved.join(', ')} ${reserved.length === 1 ? 'is an OpenID Connect scope' : 'are OpenID Connect scopes'}, not a resource server's`);
  }
  const format = e?.accessTokenFormat ?? 'jwt';
  if (format !== 'jwt' && format !== 'opaque') problems.push(`${label}: accessTokenFormat must be jwt or opaque`);
  const ttl = e?.accessTokenTTL ?? 3600;
  if (!Number.isInteger(ttl) || ttl < 60 || ttl > MAX_ACCESS_TOKEN_TTL) {
    problems.push(`${label}: accessTokenTTL must be 60 to ${MAX_ACCESS_TOKEN_TTL} seconds`);
  }
  if (problems.length > before) return undefined;
  return { audience: e!.audience!, scopes: e!.scopes!, accessTokenFormat: format, accessTokenTTL: ttl };
}

async function readJsonArray(path: string, label: string, problems: string[]): Promise<unknown[]> {
  const value = await readJson(path, label, problems);
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.push(`${label} (${path}) must contain a JSON array`);
    return [];
  }
  return value;
}

async function readJson(path: string, label: string, problems: string[]): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    problems.push(`${label}: cannot read ${path}`);
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    problems.push(`${label}: ${path} is not valid JSON`);
    return undefined;
  }
}
