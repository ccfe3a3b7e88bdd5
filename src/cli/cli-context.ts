import { randomBytes } from 'node:crypto';
import type Provider from 'oidc-provider';
import { createAccountService, type AccountService } from '../accounts/account-service.js';
import { createPasswordHasher, type PasswordHasher } from '../accounts/password-hasher.js';
import { ConfigError } from '../config/config-error.js';
import { loadConfig, type Config } from '../config/load-config.js';
import { describeRedisTarget } from '../config/redis-config.js';
import { loadStaticConfig, type StaticConfig } from '../config/static-config.js';
import { createViews } from '../http/views.js';
import { createKeySealer, type KeySealer } from '../keys/key-encryption.js';
import { findKeysEncryptionKeys } from '../keys/load-secrets.js';
import { generateSigningKeys } from '../keys/signing-keys.js';
import { createLogger } from '../observability/logger.js';
import { createProvider } from '../provider/create-provider.js';
import { createResourceServerRegistry, type ResourceServer } from '../provider/resource-servers.js';
import { ROOT_DIR } from '../server.js';
import { createMemoryReplayCache } from '../store/memory/memory-replay-cache.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { CliError } from './command.js';
import { printableLines } from './output.js';

/** The terminal, or what a test gives the CLI instead. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readonly inputIsTerminal: boolean;
  /** All of standard input (a piped password). */
  readInput(): Promise<string>;
  /** Asks on the terminal without echoing what is typed. */
  promptHidden(prompt: string): Promise<string>;
}

/** What every command works with. The store is the one the servers use (REDIS_URL & co). */
export interface CliContext {
  readonly io: CliIo;
  readonly json: boolean;
  readonly config: Config;
  /**
   * Whether config.issuer is the servers' issuer: ISSUER is set, or (outside production) its
   * default is theirs too. The CLI needs it only for URLs it prints.
   */
  readonly issuerKnown: boolean;
  readonly store: Store;
  readonly staticConfig: StaticConfig;
  readonly accounts: AccountService;
  readonly hasher: PasswordHasher;
  /** Epoch milliseconds. */
  now(): number;
  /** Static resource servers, then the store's (as the servers merge them). */
  resourceServers(): Promise<ResourceServer[]>;
  /**
   * An oidc-provider configured like the servers (same clients, scopes, registration policy),
   * for validating client metadata with its schema and minting initial access tokens. It signs
   * nothing, so it gets throwaway keys.
   */
  provider(): Promise<Provider>;
  /** Seals new private signing keys: KEYS_ENCRYPTION_KEY, or the servers' development key in DATA_DIR (never a new one). */
  sealer(): Promise<KeySealer>;
  /** Prints `value` as JSON under --json, `text` otherwise. */
  print(value: unknown, text: string): void;
  close(): Promise<void>;
}

export async function openCliContext(env: Readonly<Record<string, string | undefined>>, io: CliIo, json: boolean): Promise<CliContext> {
  let config: Config;
  try {
    // Only what the CLI uses is required of it: not the settings a server needs to serve.
    config = loadConfig(env, undefined, { for: 'cli' });
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message);
    throw error;
  }
  if (!config.redis) {
    throw new CliError('no shared store is configured: set REDIS_URL (or REDIS_CLUSTER_NODES, '
      + 'or REDIS_SENTINELS) to the Redis your servers use. Without Redis each server keeps everything in its own memory, '
      + 'where no other process can reach it.');
  }
  // The CLI's own output is the message; store warnings (persistence settings) belong to the servers' logs.
  const logger = createLogger({ level: 'silent' });
  let store: Store;
  try {
    store = await openStore(config, logger);
  } catch (error) {
    throw new CliError(`cannot reach Redis (${describeRedisTarget(config.redis)}): ${(error as Error).message}`);
  }
  try {
    const staticConfig = await loadStaticConfig(config, `${ROOT_DIR}config`);
    const hasher = createPasswordHasher(config.passwordHash);
    const accounts = createAccountService({ repository: store.accounts, hasher });
    const resourceServers = async () => {
      const statics = staticConfig.resourceServers;
      const audiences = new Set(statics.map((server) => server.audience));
      return [...statics, ...(await store.resourceServers.list()).filter((server) => !audiences.has(server.audience))];
    };
    const replayCache = createMemoryReplayCache();
    let provider: Promise<Provider> | undefined;
    let sealer: Promise<KeySealer> | undefined;
    return {
      io,
      json,
      config,
      issuerKnown: config.env !== 'production' || (env['ISSUER'] ?? '').trim() !== '',
      store,
      staticConfig,
      accounts,
      hasher,
      now: () => Date.now(),
      resourceServers,
      provider() {
        provider ??= (async () => {
          const basePath = new URL(config.issuer).pathname.replace(/\/$/, '');
          return createProvider({
            issuer: config.issuer,
            env: config.env,
            production: config.env === 'production',
            registration: config.registration,
            store,
            secrets: { signingKeys: await generateSigningKeys(), cookieKeys: [randomBytes(32).toString('base64url')] },
            accounts,
            resourceServers: createResourceServerRegistry(await resourceServers()),
            staticClients: staticConfig.clients,
            views: createViews({ viewsDir: `${ROOT_DIR}views`, assetsPath: `${basePath}/assets`, cache: false }),
            // Device-flow polling is the servers' business; the CLI's provider serves no requests.
            replayCache,
            parRequired: config.parRequired,
            devicePollIntervalSeconds: config.devicePollIntervalSeconds,
          });
        })();
        return provider;
      },
      sealer() {
        sealer ??= findKeysEncryptionKeys(config).then(createKeySealer, (error: unknown) => {
          throw error instanceof ConfigError ? new CliError(error.message) : error;
        });
        return sealer;
      },
      print(value, text) {
        // JSON.stringify escapes C0 controls but not DEL, C1 or bidi overrides: a terminal may read those too.
        io.out(printableLines(json ? `${JSON.stringify(value, null, 2)}\n` : text.endsWith('\n') ? text : `${text}\n`));
      },
      async close() {
        await replayCache.close();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    if (error instanceof ConfigError) throw new CliError(error.message);
    throw error;
  }
}
