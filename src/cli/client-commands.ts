import { newClientId } from '../provider/client-id.js';
import type Provider from 'oidc-provider';
import type { Client, ClientMetadata } from 'oidc-provider';
import { generateClientSecret, hashClientSecret, isHashedClientSecret } from '../clients/client-secret.js';
import { REGISTRABLE_GRANT_TYPES, checkRegistrationPolicy } from '../provider/registration-policy.js';
import type { CliContext } from './cli-context.js';
import { CliError, UsageError, type CommandGroup, type OptionSpec, type Values } from './command.js';
import { fields, isoTime, table } from './output.js';

const CLIENT_ID = /^[A-Za-z0-9._~-]{1,128}$/;
const AUTH_METHODS = ['client_secret_basic', 'client_secret_post'] as const;

type Source = 'static' | 'registered';

const METADATA_OPTIONS: Record<string, OptionSpec> = {
  name: { type: 'string', value: 'NAME', description: 'the name users see on the login and consent pages' },
  'redirect-uri': { type: 'string', multiple: true, value: 'URL', description: 'where authorization responses go: https, or http on 127.0.0.1/[::1]/localhost' },
  'post-logout-redirect-uri': { type: 'string', multiple: true, value: 'URL', description: 'where the user may be sent after logging out' },
  'grant-type': { type: 'string', multiple: true, value: 'TYPE', description: `${REGISTRABLE_GRANT_TYPES.join(', ')} (default: authorization_code refresh_token)` },
  scope: { type: 'string', value: '"S1 S2"', description: 'the only scopes it may ask for (default: any)' },
  'first-party': { type: 'boolean', description: 'our own application: consent is implied, its page skipped' },
  'resource-server': { type: 'boolean', description: 'an API that may introspect any token (RFC 7662)' },
  'client-uri': { type: 'string', value: 'URL', description: 'the application\'s home page, linked on our pages' },
};

export const clientCommands: CommandGroup = {
  name: 'client',
  summary: 'Register and manage OAuth clients (applications) in the shared store.',
  commands: [
    {
      name: 'create',
      summary: 'Register a client; a confidential client\'s secret is printed once, and stored only as a digest.',
      options: {
        ...METADATA_OPTIONS,
        name: { ...METADATA_OPTIONS['name']!, required: true },
        id: { type: 'string', value: 'ID', description: 'its client_id (default: random); letters, digits and . _ ~ -' },
        public: { type: 'boolean', description: 'a public client (SPA, mobile, CLI): no secret, PKCE only' },
        native: { type: 'boolean', description: 'a native app: loopback redirect URIs match on any port (RFC 8252 §7.3)' },
        'auth-method': { type: 'string', value: 'METHOD', description: `how a confidential client authenticates: ${AUTH_METHODS.join(' or ')} (default: the first)` },
      },
      async run(context, { values }) {
        const provider = await context.provider();
        const clientId = (values['id'] as string | undefined) ?? newClientId();
        if (!CLIENT_ID.test(clientId)) throw new UsageError('--id may only use letters, digits and . _ ~ - (at most 128)');
        if (await findClient(context, clientId)) throw new CliError(`a client with client_id "${clientId}" already exists`);

        const isPublic = values['public'] === true;
        const authMethod = (values['auth-method'] as string | undefined) ?? AUTH_METHODS[0];
        if (isPublic && values['auth-method'] !== undefined) throw new UsageError('--auth-method is for confidential clients; a --public client has no secret');
        if (!(AUTH_METHODS as readonly string[]).includes(authMethod)) throw new UsageError(`--auth-method must be ${AUTH_METHODS.join(' or ')}`);
        const secret = isPublic ? undefined : generateClientSecret();
        const grantTypes = (values['grant-type'] as string[] | undefined) ?? ['authorization_code', 'refresh_token'];

        const metadata = applyMetadataOptions({
          client_id: clientId,
          client_id_issued_at: Math.floor(context.now() / 1000),
          application_type: values['native'] ? 'native' : 'web',
          token_endpoint_auth_method: isPublic ? 'none' : authMethod as ClientMetadata['token_endpoint_auth_method'],
          grant_types: grantTypes,
          redirect_uris: [],
          ...(secret ? { client_secret: hashClientSecret(secret), client_secret_expires_at: 0 } : {}),
        }, values);
        const stored = validateClient(provider, metadata);
        await context.store.clients.save(stored);

        const view = { ...describeClient(stored, 'registered'), ...(secret ? { client_secret: secret } : {}) };
        context.print(view, `${fields([
          ['client_id', stored.client_id],
          ['client_secret', secret],
          ['client_name', stored.client_name],
          ['type', secret ? `confidential (${stored.token_endpoint_auth_method})` : 'public (PKCE, no secret)'],
          ['redirect_uris', stored.redirect_uris],
          ['grant_types', stored.grant_types],
          ['scope', stored.scope],
          ['first_party', stored['first_party'] === true ? 'yes' : undefined],
        ])}${secret ? '\nThe secret is shown only now and stored only as a digest: keep it in your secret manager.\n' : ''}`);
      },
    },
    {
      name: 'list',
      summary: 'List every client: static ones (configuration files) and registered ones (the store).',
      async run(context) {
        const registered = await context.store.clients.list();
        const all = [
          ...context.staticConfig.clients.map((client) => describeClient(client, 'static')),
          ...registered.map((client) => describeClient(client, 'registered')),
        ];
        context.print(all, all.length === 0 ? 'No clients.' : table(
          ['CLIENT_ID', 'NAME', 'TYPE', 'GRANT_TYPES', 'SOURCE'],
          all.map((client) => [client.client_id, client.client_name as string | undefined, client.type, (client.grant_types ?? []).join(','), client.source]),
        ));
      },
    },
    {
      name: 'show',
      summary: 'Show one client\'s metadata (never its secret).',
      args: ['ID'],
      async run(context, { args }) {
        const found = await requireClient(context, args[0]!);
        const view = describeClient(found.metadata, found.source);
        context.print(view, fields(Object.entries(view).map(([key, value]) => [key, key === 'client_id_issued_at' ? isoTime(value as number) : display(value)])));
      },
    },
    {
      name: 'update',
      summary: 'Change a registered client\'s metadata; list options replace the whole list.',
      args: ['ID'],
      options: METADATA_OPTIONS,
      async run(context, { args, values }) {
        if (!Object.keys(METADATA_OPTIONS).some((option) => values[option] !== undefined)) {
          throw new UsageError(`nothing to update: give one or more of ${Object.keys(METADATA_OPTIONS).map((option) => `--${option}`).join(', ')}`);
        }
        const current = await requireRegisteredClient(context, args[0]!);
        const stored = validateClient(await context.provider(), applyMetadataOptions({ ...current }, values));
        await context.store.clients.save(stored);
        context.print(describeClient(stored, 'registered'), `Updated client ${stored.client_id}; running servers use the change from their next request.`);
      },
    },
    {
      name: 'rotate-secret',
      summary: 'Issue a new secret (printed once); the old one stops working at once.',
      args: ['ID'],
      details: 'A client registered dynamically (RFC 7591) keeps its secret in plain text, as RFC 7592 management needs it;\nevery other registered client\'s secret is stored as a SHA-256 digest.',
      async run(context, { args }) {
        const current = await requireRegisteredClient(context, args[0]!);
        if (current.token_endpoint_auth_method === 'none' || !current.client_secret) {
          throw new CliError(`client ${current.client_id} is public: it has no secret to rotate`);
        }
        const secret = generateClientSecret();
        const hashed = isHashedClientSecret(current.client_secret);
        const stored = validateClient(await context.provider(), { ...current, client_secret: hashed ? hashClientSecret(secret) : secret, client_secret_expires_at: 0 });
        await context.store.clients.save(stored);
        context.print({ client_id: stored.client_id, client_secret: secret }, `${fields([['client_id', stored.client_id], ['client_secret', secret]])}
The old secret no longer works. The new one is shown only now: keep it in your secret manager.`);
      },
    },
    {
      name: 'delete',
      summary: 'Delete a registered client: its refresh tokens and opaque access tokens stop working at once.',
      args: ['ID'],
      details: 'JWT access tokens already issued to it stay valid at resource servers until they expire.',
      async run(context, { args }) {
        const current = await requireRegisteredClient(context, args[0]!);
        await context.store.clients.delete(current.client_id);
        context.print({ client_id: current.client_id, deleted: true }, `Deleted client ${current.client_id}.`);
      },
    },
  ],
};

/** The metadata options given on the command line, applied over `base`. */
function applyMetadataOptions(base: ClientMetadata, values: Values): ClientMetadata {
  const next: ClientMetadata = { ...base };
  const set = (key: string, value: unknown) => {
    if (value !== undefined) next[key] = value;
  };
  set('client_name', values['name']);
  set('redirect_uris', values['redirect-uri']);
  set('post_logout_redirect_uris', values['post-logout-redirect-uri']);
  set('grant_types', values['grant-type']);
  set('client_uri', values['client-uri']);
  set('first_party', values['first-party']);
  set('resource_server', values['resource-server']);
  if (values['scope'] !== undefined) {
    const scope = String(values['scope']).split(/\s+/).filter(Boolean).join(' ');
    if (scope) next.scope = scope;
    else delete next.scope;
  }
  // A client that uses the authorization endpoint gets `code`, the only response type we serve.
  next.response_types = (next.grant_types ?? []).includes('authorization_code') ? ['code'] : [];
  return next;
}

/**
 * Validates with oidc-provider's own client schema, configured as the servers are (scopes,
 * auth methods, our extra metadata), plus the redirect and grant rules dynamic registration
 * has. Returns the normalized record, as oidc-provider stores clients it registers.
 */
function validateClient(provider: Provider, metadata: ClientMetadata): ClientMetadata {
  try {
    checkRegistrationPolicy(metadata);
    const ClientModel = provider.Client as unknown as new (metadata: ClientMetadata) => Client;
    return new ClientModel(metadata).metadata();
  } catch (error) {
    const e = error as { error_description?: string; message?: string };
    throw new CliError(`invalid client: ${e.error_description ?? e.message ?? 'the metadata was refused'}`);
  }
}

async function findClient(context: CliContext, clientId: string): Promise<{ metadata: ClientMetadata; source: Source } | undefined> {
  const fromConfig = context.staticConfig.clients.find((client) => client.client_id === clientId);
  if (fromConfig) return { metadata: fromConfig, source: 'static' };
  const registered = await context.store.clients.find(clientId);
  return registered ? { metadata: registered, source: 'registered' } : undefined;
}

async function requireClient(context: CliContext, clientId: string) {
  const found = await findClient(context, clientId);
  if (!found) throw new CliError(`there is no client with client_id "${clientId}" (\`gatehouse client list\` shows them)`);
  return found;
}

async function requireRegisteredClient(context: CliContext, clientId: string): Promise<ClientMetadata> {
  const found = await requireClient(context, clientId);
  if (found.source === 'static') {
    throw new CliError(`client ${clientId} comes from configuration (CLIENTS_FILE or the development seed): change it there`);
  }
  return found.metadata;
}

/** A client as the CLI shows it: every field but the secret, and how its secret is stored. */
function describeClient(metadata: ClientMetadata, source: Source) {
  const { client_secret: secret, ...rest } = metadata;
  const storage = !secret ? 'none' : isHashedClientSecret(secret) ? 'sha256-digest' : 'plain-text';
  return {
    ...rest,
    type: metadata.token_endpoint_auth_method === 'none' ? 'public' : 'confidential',
    source,
    client_secret_storage: storage,
  };
}

function display(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return JSON.stringify(value);
}
