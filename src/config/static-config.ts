import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClientMetadata } from 'oidc-provider';
import type { NewAccount } from '../accounts/account-service.js';
import type { ResourceServer } from '../provider/resource-servers.js';
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
      const server = toResourceServer(entry, `RESOURCES_FILE entry #${index}`, problems);
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
    if (!client || typeof client.client_id !== 'string') problems.push(`client #${index} has no client_id`);
    else if (ids.has(client.client_id)) problems.push(`client_id "${client.client_id}" is defined twice`);
    else ids.add(client.client_id);
  });

  if (problems.length > 0) throw new ConfigError(problems);
  return { clients, resourceServers, seedUsers };
}

function toResourceServer(entry: unknown, label: string, problems: string[]): ResourceServer | undefined {
  const e = entry as Partial<ResourceServer> | undefined;
  const before = problems.length;
  if (!e || typeof e.audience !== 'string' || !URL.canParse(e.audience)) problems.push(`${label}: audience must be an absolute URL`);
  if (!e?.scopes || typeof e.scopes !== 'object' || Object.values(e.scopes).some((text) => typeof text !== 'string')) {
    problems.push(`${label}: scopes must map each scope to a description`);
  }
  const format = e?.accessTokenFormat ?? 'jwt';
  if (format !== 'jwt' && format !== 'opaque') problems.push(`${label}: accessTokenFormat must be jwt or opaque`);
  const ttl = e?.accessTokenTTL ?? 3600;
  if (!Number.isInteger(ttl) || ttl < 60 || ttl > 86400) problems.push(`${label}: accessTokenTTL must be 60 to 86400 seconds`);
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
