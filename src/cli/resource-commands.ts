import { parseResourceServer, resourceServerConflict } from '../config/static-config.js';
import { sameAudience, type ResourceServer } from '../provider/resource-servers.js';
import { MAX_ACCESS_TOKEN_TTL } from '../provider/ttl.js';
import type { CliContext } from './cli-context.js';
import { CliError, UsageError, type CommandGroup } from './command.js';
import { formatDuration, parseDuration } from './duration.js';
import { fields, table } from './output.js';

export const resourceCommands: CommandGroup = {
  name: 'resource',
  summary: 'Register the APIs (resource servers) that accept our access tokens (RFC 8707, RFC 9068).',
  commands: [
    {
      name: 'create',
      summary: 'Register a resource server; running servers accept it within PROVIDER_REFRESH_SECONDS.',
      options: {
        audience: { type: 'string', value: 'URL', description: 'its resource indicator (RFC 8707), the `aud` of its tokens', required: true },
        scope: { type: 'string', value: '"S1 S2"', description: 'the scopes it defines', required: true },
        describe: { type: 'string', multiple: true, value: 'SCOPE=TEXT', description: 'what a scope allows, in words for the consent page' },
        jwt: { type: 'boolean', description: 'issue RFC 9068 JWT access tokens (ES256) for it; default: opaque, checked by introspection' },
        ttl: { type: 'string', value: 'DURATION', description: `access token lifetime, e.g. 15m (default 1h, at most ${formatDuration(MAX_ACCESS_TOKEN_TTL)})` },
      },
      async run(context, { values }) {
        const scopes = String(values['scope']).split(/\s+/).filter(Boolean);
        const descriptions = parseDescriptions((values['describe'] as string[] | undefined) ?? [], scopes);
        const problems: string[] = [];
        const server = parseResourceServer({
          audience: values['audience'],
          // Undescribed scopes get the consent page's own wording for unknown scopes (in the user's language).
          scopes: Object.fromEntries(scopes.map((scope) => [scope, descriptions.get(scope) ?? ''])),
          accessTokenFormat: values['jwt'] ? 'jwt' : 'opaque',
          accessTokenTTL: values['ttl'] === undefined ? 3600 : parseDuration('ttl', String(values['ttl']), { min: 60, max: MAX_ACCESS_TOKEN_TTL }),
        }, 'resource server', problems);
        if (!server) throw new CliError(problems.join('\n'));

        const conflict = resourceServerConflict(server, await context.resourceServers());
        if (conflict) throw new CliError(conflict);
        if (!(await context.store.resourceServers.create(server))) throw new CliError(`a resource server with audience ${server.audience} already exists`);
        context.print(describeResource(server, 'registered'), `${describeText(server, 'registered')}
Running servers accept it within ${context.config.providerRefreshSeconds} s.`);
      },
    },
    {
      name: 'list',
      summary: 'List every resource server: static ones (configuration) and registered ones (the store).',
      async run(context) {
        const all = await describeAll(context);
        context.print(all, all.length === 0 ? 'No resource servers.' : table(
          ['AUDIENCE', 'SCOPES', 'TOKENS', 'TTL', 'SOURCE'],
          all.map((server) => [server.audience, Object.keys(server.scopes).join(' '), server.access_token_format, formatDuration(server.access_token_ttl), server.source]),
        ));
      },
    },
    {
      name: 'show',
      summary: 'Show one resource server.',
      args: ['AUDIENCE'],
      async run(context, { args }) {
        const found = pick(await describeAll(context), args[0]!);
        if (!found) throw new CliError(`there is no resource server with audience ${args[0]} (\`gatehouse resource list\` shows them)`);
        const { source, ...server } = found;
        context.print(found, describeText({ audience: server.audience, scopes: server.scopes, accessTokenFormat: server.access_token_format, accessTokenTTL: server.access_token_ttl }, source));
      },
    },
    {
      name: 'delete',
      summary: 'Delete a registered resource server: no new tokens are issued for it.',
      args: ['AUDIENCE'],
      details: 'Refused while a client\'s `scope` lists one of its scopes: update those clients first.\nTokens already issued for it stay valid until they expire.',
      async run(context, { args }) {
        const named = args[0]!;
        // Registered ones first: one registered before audiences were normalised may be spelled
        // like a static one, or hidden behind it, and can still be deleted.
        const server = pick(await context.store.resourceServers.list(), named);
        if (!server && pick(context.staticConfig.resourceServers, named)) {
          throw new CliError(`${named} comes from configuration (RESOURCES_FILE or the development seed): change it there`);
        }
        if (!server) throw new CliError(`there is no registered resource server with audience ${named}`);
        const { audience } = server;
        const clients = [...context.staticConfig.clients, ...await context.store.clients.list()];
        const users = clients.filter((client) => String(client.scope ?? '').split(' ').some((scope) => scope in server.scopes));
        if (users.length > 0) {
          throw new CliError(`clients ${users.map((client) => client.client_id).join(', ')} list its scopes in their metadata; `
            + 'change their --scope first (`gatehouse client update ID --scope ...`)');
        }
        await context.store.resourceServers.delete(audience);
        context.print({ audience, deleted: true }, `Deleted resource server ${audience}.`);
      },
    },
  ],
};

/** --describe SCOPE=TEXT, for scopes given in --scope only. */
function parseDescriptions(entries: readonly string[], scopes: readonly string[]): Map<string, string> {
  const descriptions = new Map<string, string>();
  for (const entry of entries) {
    const index = entry.indexOf('=');
    const scope = entry.slice(0, index);
    const text = entry.slice(index + 1).trim();
    if (index <= 0 || !text) throw new UsageError(`--describe takes SCOPE=TEXT (got "${entry}")`);
    if (!scopes.includes(scope)) throw new UsageError(`--describe names ${scope}, which is not in --scope`);
    descriptions.set(scope, text);
  }
  return descriptions;
}

/**
 * The resource server `named` names: the one with exactly that audience, else the one written
 * like it (capitals, a trailing slash, a default port). Look-alikes registered before audiences
 * were normalised must be named exactly.
 */
function pick<T extends { audience: string }>(servers: readonly T[], named: string): T | undefined {
  const exact = servers.find((server) => server.audience === named);
  if (exact) return exact;
  const alike = servers.filter((server) => sameAudience(server.audience, named));
  if (alike.length > 1) throw new CliError(`${alike.map((server) => server.audience).join(' and ')} are both written like ${named}: name one exactly`);
  return alike[0];
}

async function describeAll(context: CliContext) {
  const statics = new Set(context.staticConfig.resourceServers.map((server) => server.audience));
  return (await context.resourceServers()).map((server) => describeResource(server, statics.has(server.audience) ? 'static' : 'registered'));
}

function describeResource(server: ResourceServer, source: 'static' | 'registered') {
  return { audience: server.audience, scopes: server.scopes, access_token_format: server.accessTokenFormat, access_token_ttl: server.accessTokenTTL, source };
}

function describeText(server: ResourceServer, source: string): string {
  return `${fields([
    ['audience', server.audience],
    ['tokens', server.accessTokenFormat === 'jwt' ? 'JWT (RFC 9068, ES256)' : 'opaque (introspection)'],
    ['token ttl', formatDuration(server.accessTokenTTL)],
    ['source', source],
  ])}${Object.entries(server.scopes).map(([scope, text]) => `  ${scope}: ${text || '(no description: the consent page names the scope)'}`).join('\n')}`;
}
