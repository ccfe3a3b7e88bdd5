import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClientMetadata } from 'oidc-provider';
import type { NewAccount } from '../accounts/account-service.js';
import { malformedHashedClientSecret } from '../clients/client-secret.js';
import { sameAudience, type ResourceServer } from '../provider/resource-servers.js';
import { MAX_ACCESS_TOKEN_TTL } from '../provider/ttl.js';
import { OIDC_SCOPES } from '../provider/scopes.js';
import { ConfigError } from './config-error.js';
import { identifierForm } from './parse-values.js';
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
  // Each is checked against those before it, as the admin CLI checks a new one against the rest.
  const addResourceServer = (server: ResourceServer, label: string, fix = '') => {
    const conflict = resourceServerConflict(server, resourceServers);
    if (conflict) problems.push(`${label}: ${conflict}${fix}`);
    else resourceServers.push(server);
  };
  if (config.resourcesFile) {
    const list = await readJsonArray(config.resourcesFile, 'RESOURCES_FILE', problems);
    list.forEach((entry, index) => {
      const label = `RESOURCES_FILE entry #${index}`;
      const server = parseResourceServer(entry, label, problems);
      if (server) addResourceServer(server, label);
    });
  }
  if (config.seedDemo) {
    const seed = await readJson(join(configDir, 'development.json'), 'development seed', problems) as
      { clients?: ClientMetadata[]; users?: NewAccount[] } | undefined;
    clients.push(...(seed?.clients ?? []));
    seedUsers.push(...(seed?.users ?? []));
    if (!resourceServers.some((server) => server.audience === config.api.audience)) {
      addResourceServer(
        { audience: config.api.audience, scopes: DEMO_API_SCOPES, accessTokenFormat: 'jwt', accessTokenTTL: 3600 },
        `the development seed's demo API (${config.api.audience})`,
        ' (set SEED_DEMO=false, or name the scope differently)',
      );
    }
  }

  const ids = new Set<string>();
  clients.forEach((client, index) => {
    if (!client || typeof client.client_id !== 'string' || client.client_id === '') problems.push(`client #${index} has no client_id`);
    else if (ids.has(client.client_id)) problems.push(`client_id "${client.client_id}" is defined twice`);
    else ids.add(client.client_id);
    const malformedSecret = malformedHashedClientSecret(client?.client_secret);
    if (malformedSecret) problems.push(`client "${client.client_id}": ${malformedSecret}`);
  });

  if (problems.length > 0) throw new ConfigError(problems);
  return { clients, resourceServers, seedUsers };
}

/** A resource server from untrusted JSON (a file, the admin CLI), or undefined with `problems` said. */
export function parseResourceServer(entry: unknown, label: string, problems: string[]): ResourceServer | undefined {
  const e = entry as Partial<ResourceServer> | undefined;
  const before = problems.length;
  // RFC 8707 §2: an absolute URI without a fragment.
  const url = typeof e?.audience === 'string' && !e.audience.includes('#') ? URL.parse(e.audience) : null;
  if (!url) problems.push(`${label}: audience must be an absolute URL without a fragment`);
  // They would be published in every token's `aud`.
  else if (url.username || url.password) problems.push(`${label}: audience must not contain credentials`);
  if (!e?.scopes || typeof e.scopes !== 'object' || Array.isArray(e.scopes) || Object.values(e.scopes).some((text) => typeof text !== 'string')) {
    // An array passes for an object, and would define scopes named "0", "1", ...
    problems.push(`${label}: scopes must be an object of scope → description, e.g. {"api:read": "Read your data"}${Array.isArray(e?.scopes) ? ' (got an array)' : ''}`);
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
  // Registered in the one form clients must name it in (`resource`) and APIs find in `aud`.
  return { audience: identifierForm(url!), scopes: e!.scopes!, accessTokenFormat: format, accessTokenTTL: ttl };
}

/**
 * Why `server` cannot be registered next to `others`, or undefined: its audience is theirs
 * (RFC 8707 resource indicators name one resource server each), or one of its scopes is
 * (defaultResource() picks a resource by scope: a scope must belong to one resource server).
 * The admin CLI and static configuration refuse the same things with the same words.
 */
export function resourceServerConflict(server: ResourceServer, others: readonly ResourceServer[]): string | undefined {
  // The others' audiences too: the store may hold one registered before audiences were normalised.
  if (others.some((other) => sameAudience(other.audience, server.audience))) return `a resource server with audience ${server.audience} already exists`;
  for (const other of others) {
    const shared = Object.keys(other.scopes).filter((scope) => Object.hasOwn(server.scopes, scope));
    if (shared.length > 0) return `${shared.join(', ')} already belong${shared.length === 1 ? 's' : ''} to ${other.audience}; scopes must be unique across resource servers`;
  }
  return undefined;
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
