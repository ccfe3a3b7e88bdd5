import type Provider from 'oidc-provider';
import { ConfigError } from '../config/config-error.js';
import { KeyDecryptionError, type KeySealer } from '../keys/key-encryption.js';
import { updateKeySet } from '../keys/key-rotation.js';
import { publishedKeys, type KeySetRecord } from '../keys/key-set.js';
import { createKeySetOpener } from '../keys/open-key-set.js';
import type { PrivateJwks } from '../keys/signing-keys.js';
import type { Logger } from '../observability/logger.js';
import type { Store } from '../store/store.js';
import { createProviderHost, type ProviderHost } from './provider-host.js';
import type { ResourceServer, ResourceServerRegistry } from './resource-servers.js';

export interface ProviderRefresherDeps {
  store: Pick<Store, 'keySet' | 'resourceServers'>;
  sealer: KeySealer;
  /** From RESOURCES_FILE and the development seed; the store's come after them. */
  staticResourceServers: readonly ResourceServer[];
  /** Shared with the interaction pages (scope descriptions); replaced on every change. */
  registry: ResourceServerRegistry;
  /** The issuer's path, where the provider is mounted. */
  basePath: string;
  /** A provider configured with these keys and the registry's current resource servers. */
  build(jwks: PrivateJwks): Promise<Provider>;
  intervalMs: number;
  logger: Logger;
  /** Epoch milliseconds (tests move the clock). */
  now?: () => number;
}

export interface ProviderRefresher {
  readonly host: ProviderHost;
  /** The current provider's JWKS (kid and alg only), in signing order. */
  publishedKeys(): readonly { kid: string; alg: string }[];
  /** Re-reads the store now; resolves once any change is live. */
  refresh(): Promise<void>;
  stop(): void;
}

/**
 * Keeps every instance's provider in step with the store: each `intervalMs` it reads the key set
 * and the resource servers, and when what should be published or signed with has changed (an
 * operator's `keys rotate`, a key's scheduled activation or retirement, `resource create`) it
 * builds a new Provider and swaps it in. A change therefore reaches every instance within one
 * interval plus the time to build a provider (milliseconds). Polling a small record is the
 * simplest mechanism that also survives missed notifications and restarts of the store.
 */
export async function startProviderRefresher(deps: ProviderRefresherDeps): Promise<ProviderRefresher> {
  const openKeys = createKeySetOpener(deps.sealer);
  const now = deps.now ?? Date.now;
  let fingerprint = '';
  let host: ProviderHost | undefined;
  let published: readonly { kid: string; alg: string }[] = [];
  let failing = false;
  let lastRecord: KeySetRecord | undefined;

  /**
   * The store lost its key set (Redis emptied: no persistence, a flush, failover to an empty
   * replica). Left so, the next instance to start would seed it from its own configuration
   * (SIGNING_KEYS, or development keys), which may hold keys retired since, even as compromised,
   * and every instance would switch to them. Writing back the set last read here, only while the
   * store is still empty (compare-and-set), keeps the keys that were in use.
   */
  const restore = async (last: KeySetRecord): Promise<KeySetRecord | undefined> => {
    let restored = false;
    const record = await updateKeySet(deps.store.keySet, async (current) => {
      restored = current === undefined;
      return restored ? { keys: last.keys } : undefined;
    });
    if (restored) deps.logger.warn({ kids: last.keys.map((key) => key.kid) }, 'the store had lost its signing key set (emptied?): restored the one this instance last read');
    return record;
  };

  const load = async () => {
    const [read, stored] = await Promise.all([deps.store.keySet.read(), deps.store.resourceServers.list()]);
    const record = read ?? (lastRecord && await restore(lastRecord));
    if (!record) throw new Error('the store holds no signing keys');
    lastRecord = record;
    const keys = publishedKeys(record, Math.floor(now() / 1000));
    const servers = mergeResourceServers(deps.staticResourceServers, stored);
    const next = JSON.stringify([keys.map((key) => key.kid), servers]);
    if (next === fingerprint) return;

    const jwks = openKeys(keys);
    deps.registry.replace(servers);
    const provider = await deps.build(jwks);
    if (host) host.replace(provider);
    else host = createProviderHost(provider, deps.basePath);
    const first = fingerprint === '';
    fingerprint = next;
    published = keys.map(({ kid, alg }) => ({ kid, alg }));
    deps.logger.info({ kids: keys.map((key) => key.kid), resourceServers: servers.map((server) => server.audience) },
      first ? 'provider ready' : 'signing keys or resource servers changed: provider replaced');
    // Registered with an audience a static one now has (written another way before audiences
    // were normalised): configuration wins, and the registered one would vanish unnoticed.
    const hidden = stored.filter((server) => !servers.includes(server));
    if (hidden.length > 0) {
      deps.logger.warn({ audiences: hidden.map((server) => server.audience) },
        'registered resource servers hidden by configuration with the same audience: `gatehouse resource delete AUDIENCE` removes them');
    }
  };

  try {
    await load();
  } catch (error) {
    if (error instanceof KeyDecryptionError) {
      throw new ConfigError([`${error.message}. KEYS_ENCRYPTION_KEY must list the key the store's signing keys were sealed with (a new key first, old ones after it)`]);
    }
    throw error;
  }

  // Serialized: a manual refresh() and the timer never build two providers at once.
  let running: Promise<void> = Promise.resolve();
  const refresh = () => {
    running = running.then(load).then(() => {
      if (failing) deps.logger.info('provider refresh recovered');
      failing = false;
    }, (error: unknown) => {
      // Keep serving with what we have; say so once, not every interval.
      if (!failing) deps.logger.warn({ err: error }, 'could not re-read signing keys and resource servers; keeping the current ones');
      failing = true;
    });
    return running;
  };

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    timer = setTimeout(() => void refresh().finally(() => {
      if (!stopped) schedule();
    }), deps.intervalMs);
    timer.unref();
  };
  schedule();

  return {
    host: host!,
    publishedKeys: () => published,
    refresh,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/** Static resource servers win over a stored one with the same audience (the CLI refuses to create those). */
function mergeResourceServers(statics: readonly ResourceServer[], stored: readonly ResourceServer[]): ResourceServer[] {
  const audiences = new Set(statics.map((server) => server.audience));
  return [...statics, ...stored.filter((server) => !audiences.has(server.audience))];
}
