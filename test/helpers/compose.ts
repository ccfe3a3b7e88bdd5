import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ComposeService {
  image?: string;
  build?: string | object;
  command?: string[];
  entrypoint?: string[];
  env_file?: string | string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] | string; interval?: string; timeout?: string; retries?: number; start_period?: string };
  restart?: string;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export function loadComposeFile(): ComposeFile {
  return parse(readFileSync(`${ROOT}docker-compose.yml`, 'utf8')) as ComposeFile;
}

/** A .env file as docker compose reads it: NAME=value lines, comments and blank lines ignored. */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) env[match[1]!] = match[2]!;
  }
  return env;
}

/** Every variable .env.example mentions, set or documented as "# NAME=". */
export function documentedVariables(text: string): Set<string> {
  return new Set([...text.matchAll(/^#?\s?([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]!));
}

/**
 * Rewrites compose-network addresses for a run on this machine: `service:port` and
 * `localhost:port`/`127.0.0.1:port` become 127.0.0.1 (or localhost) on the port chosen for that
 * container port, a value that is exactly one of the service's own container ports becomes its
 * local port, and 0.0.0.0 binds become 127.0.0.1.
 */
export function toLocal(value: string, ports: ReadonlyMap<number, number>, services: readonly string[], ownPorts: readonly number[]): string {
  if (value === '0.0.0.0') return '127.0.0.1';
  if (/^\d+$/.test(value) && ownPorts.includes(Number(value))) return String(ports.get(Number(value)));
  return value.replace(/\/\/([a-z0-9.-]+):(\d+)/gi, (whole, host: string, port: string) => {
    const local = ports.get(Number(port));
    if (local === undefined) return whole;
    if (services.includes(host) || host === '127.0.0.1') return `//127.0.0.1:${local}`;
    if (host === 'localhost') return `//localhost:${local}`;
    return whole;
  });
}

/** The container ports a service listens on: the container side of its published ports. */
export function containerPorts(service: ComposeService): number[] {
  return (service.ports ?? []).map((entry) => Number(entry.split(':').at(-1)!.split('/')[0]));
}
