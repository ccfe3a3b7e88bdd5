import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { endAccountSessionOnSignOut } from './account-security/account-session.js';
import { createAccountService } from './accounts/account-service.js';
import { createPasswordHasher } from './accounts/password-hasher.js';
import { createSecondFactorService } from './accounts/second-factor.js';
import { createApp } from './app.js';
import type { Config } from './config/load-config.js';
import { ConfigError } from './config/config-error.js';
import { loadStaticConfig } from './config/static-config.js';
import { createHttpServer, drainAll, listen } from './http/http-server.js';
import { createViews } from './http/views.js';
import { createKeySealer } from './keys/key-encryption.js';
import { ensureKeySet } from './keys/key-set-bootstrap.js';
import { loadSecrets } from './keys/load-secrets.js';
import type { Logger } from './observability/logger.js';
import { combinedSource, createMetricsEndpoint, listenMetrics, registrySource, type MetricsSource } from './observability/metrics-endpoint.js';
import { createMetrics, createProcessGauge, registerStoreUsage, type Metrics } from './observability/metrics.js';
import { observeProviderEvents } from './observability/provider-events.js';
import { createRequestObserver } from './observability/request-observer.js';
import { auditProviderEvents } from './provider/audit-events.js';
import { deliverBackchannelLogoutsInBackground, type BackchannelDelivery } from './provider/backchannel-logout.js';
import { createProvider } from './provider/create-provider.js';
import { DEVICE_CODE_ENTRY_LIMIT } from './provider/device-flow.js';
import { startProviderRefresher, type ProviderRefresher } from './provider/provider-refresher.js';
import { createResourceServerRegistry } from './provider/resource-servers.js';
import { ACCOUNT_SECURITY_PATH, ASSETS_PATH, ROUTES } from './provider/routes.js';
import { createApiApp } from './resource-server/create-api-app.js';
import { startApiThread, type ApiThread } from './resource-server/start-api-thread.js';
import { createLoginThrottle } from './security/login-throttle.js';
import { productionProblems } from './security/production-guard.js';
import { createAddressLimiter } from './security/address-rate-limit.js';
import { instrumentStore } from './store/instrument-store.js';
import { openStore } from './store/open-store.js';
import { undoStoreChangesOfFailedRequests } from './store/request-undo.js';

export const ROOT_DIR = fileURLToPath(new URL('..', import.meta.url));

export interface RunningGatehouse {
  /** The authorization server's listening URL (may differ from the issuer behind a proxy). */
  readonly url: string;
  readonly apiUrl: string | undefined;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes the store. */
  close(graceMs?: number): Promise<void>;
  /** Set when METRICS_PORT gives /metrics its own port. */
  readonly metricsUrl: string | undefined;
}

export interface StartOptions {
  /** This process's metrics; created here when not given. */
  metrics?: Metrics;
  /** What /metrics answers; defaults to this process's registry (a cluster worker answers the cluster's). */
  metricsSource?: MetricsSource;
  /** False in cluster workers: the primary owns METRICS_PORT. */
  metricsServer?: boolean;
  /**
   * Run the protected API in a worker thread of its own (resource-server/start-api-thread.ts),
   * not on this thread's event loop. Not in cluster workers: their ports are shared through the
   * cluster's primary, and only a worker's main thread takes part in that. `onFailure` is told
   * when the thread ends on its own.
   */
  apiThread?: { onFailure: (error: Error) => void };
  /**
   * Stops the start (a shutdown signal during boot): what was opened is closed and the start
   * rejects with the signal's reason. Waiting for Redis ends at once; other steps at their end.
   */
  signal?: AbortSignal;
}

/**
 * Composes and starts everything `npm start` runs: store, keys, provider, our pages, and the
 * protected API next to it. Tests start the same thing on free ports.
 */
export async function startGatehouse(config: Config, logger: Logger, options: StartOptions = {}): Promise<RunningGatehouse> {
  const production = config.env === 'production';
  const metrics = options.metrics ?? createMetrics();
  if (!options.metrics) createProcessGauge(metrics.registry).set(1);
  let apiThread: ApiThread | undefined;
  const metricsSource = !config.metrics.enabled ? undefined : options.metricsSource ?? (options.apiThread
    ? combinedSource(metrics.registry, async () => (apiThread ? [await apiThread.metrics()] : []))
    : registrySource(metrics.registry));
  let draining = false;
  const store = instrumentStore(await openStore(config, logger, options.signal), metrics.store);
  const stopIfAborted = () => options.signal?.throwIfAborted();
  if (store.usage) registerStoreUsage(metrics.registry, store.usage);
  // Shared by every instance when the store is (Redis): a replayed jti is caught on any of them.
  const { replayCache } = store;
  let refresher: ProviderRefresher | undefined;
  // One per provider built: each queues its own back-channel logouts until shutdown.
  const backchannelDeliveries: BackchannelDelivery[] = [];
  // Every port this has opened: a later step that fails (a port in use) closes the earlier ones.
  const servers: Server[] = [];
  try {
    const secrets = await loadSecrets(config);
    if (secrets.generated.length > 0) {
      logger.warn({ dataDir: config.dataDir }, `using development ${secrets.generated.join(' and ')} kept in ${config.dataDir}; never in production`);
    }
    stopIfAborted();
    const staticConfig = await loadStaticConfig(config, `${ROOT_DIR}config`);
    const basePath = new URL(config.issuer).pathname.replace(/\/$/, '');
    // Templates are compiled once, except in development where edits show without a restart.
    const views = createViews({ viewsDir: `${ROOT_DIR}views`, assetsPath: `${basePath}${ASSETS_PATH}`, cache: config.env !== 'development' });
    const hasher = createPasswordHasher(config.passwordHash);
    const accounts = createAccountService({ repository: store.accounts, hasher });
    if (production) {
      const problems = await productionProblems({ clients: staticConfig.clients, accounts: store.accounts, hasher, configDir: `${ROOT_DIR}config` });
      if (problems.length > 0) throw new ConfigError(problems);
    }
    for (const user of staticConfig.seedUsers) {
      if (!(await store.accounts.findByUsername(user.username))) await accounts.create(user);
    }
    const sealer = createKeySealer(secrets.keysEncryptionKeys);
    const secondFactor = createSecondFactorService({ repository: store.accounts, sealer, issuer: new URL(config.issuer).hostname });
    await ensureKeySet({
      repository: store.keySet,
      sealer,
      configured: secrets.signingKeys,
      configuredByOperator: Boolean(config.signingKeys || config.signingKeysFile),
      now: Math.floor(Date.now() / 1000),
      logger,
    });
    stopIfAborted();
    const resourceServers = createResourceServerRegistry(staticConfig.resourceServers);
    refresher = await startProviderRefresher({
      store,
      sealer,
      staticResourceServers: staticConfig.resourceServers,
      registry: resourceServers,
      basePath,
      intervalMs: config.providerRefreshSeconds * 1000,
      logger,
      async build(jwks) {
        const provider = await createProvider({
          issuer: config.issuer, env: config.env, production, registration: config.registration, store,
          secrets: { signingKeys: jwks, cookieKeys: secrets.cookieKeys }, accounts, resourceServers, staticClients: staticConfig.clients, views,
          replayCache, parRequired: config.parRequired, devicePollIntervalSeconds: config.devicePollIntervalSeconds,
        });
        // Every provider the refresher builds gets the same listeners and hooks.
        provider.use(undoStoreChangesOfFailedRequests({ logger }));
        endAccountSessionOnSignOut(provider, { path: `${basePath}${ACCOUNT_SECURITY_PATH}` });
        observeProviderEvents(provider, { logger, metrics });
        auditProviderEvents(provider, logger);
        backchannelDeliveries.push(deliverBackchannelLogoutsInBackground(provider, { logger }));
        return provider;
      },
    });

    // Rate-limit counters in the store's Redis when there is one: every instance counts each address.
    const sharedCounters = store.redis && config.redis ? { client: store.redis, keyPrefix: config.redis.keyPrefix } : undefined;
    const app = createApp({
      issuer: config.issuer, trustProxy: config.trustProxy, provider: refresher.host, store, accounts, secondFactor, resourceServers,
      cookieKeys: secrets.cookieKeys, views, logger, metrics,
      rateLimiters: {
        registration: createAddressLimiter('registration', { points: config.registrationRateLimit, durationSeconds: 3600 }, sharedCounters),
        deviceCodeEntry: createAddressLimiter('device-code-entry', DEVICE_CODE_ENTRY_LIMIT, sharedCounters),
      },
      loginThrottle: createLoginThrottle({ redis: store.redis, keyPrefix: config.redis?.keyPrefix, ...config.loginThrottle }),
      signingKeys: refresher.publishedKeys,
      draining: () => draining,
      metricsEndpoint: metricsSource && config.metrics.port === undefined ? createMetricsEndpoint(metricsSource) : undefined,
    });
    const apiJwksUri = config.api.jwksUri ?? `${config.issuer}${ROUTES.jwks}`;
    // The API's thread is up before the authorization server listens: once /readyz answers, so does the API.
    if (config.api.enabled && options.apiThread) {
      apiThread = await startApiThread({
        host: config.api.host, port: config.api.port, issuer: config.issuer, audience: config.api.audience,
        jwksUri: apiJwksUri, trustProxy: config.trustProxy, logLevel: config.logLevel,
        metrics: config.metrics.enabled, redis: config.redis,
        viewsDir: `${ROOT_DIR}views`, assetsPath: ASSETS_PATH, cacheViews: config.env !== 'development',
      }, { logger, ...options.apiThread });
    }
    stopIfAborted();
    const url = await listen(createHttpServer(app.callback()), config.host, config.port, servers);

    let metricsUrl: string | undefined;
    if (metricsSource && config.metrics.port !== undefined && options.metricsServer !== false) {
      metricsUrl = await listenMetrics(metricsSource, config.metrics.host, config.metrics.port, servers);
    }

    let apiUrl = apiThread?.url;
    if (config.api.enabled && !apiThread) {
      const api = createApiApp({
        issuer: config.issuer,
        audience: config.api.audience,
        jwksUri: apiJwksUri,
        logger,
        views,
        replayCache,
        trustProxy: config.trustProxy,
        observer: createRequestObserver({ logger, metrics, server: 'api' }),
        draining: () => draining,
      });
      apiUrl = await listen(createHttpServer(api.callback()), config.api.host, config.api.port, servers);
    }

    stopIfAborted();
    return {
      url,
      apiUrl,
      metricsUrl,
      async close(graceMs = config.shutdownGraceMs) {
        draining = true;
        refresher?.stop();
        await Promise.all([drainAll(servers, graceMs), apiThread?.close(graceMs)]);
        await Promise.all(backchannelDeliveries.map((delivery) => delivery.close()));
        await store.close();
      },
    };
  } catch (error) {
    refresher?.stop();
    await drainAll(servers, 0);
    await apiThread?.close(0);
    await Promise.all(backchannelDeliveries.map((delivery) => delivery.close()));
    await store.close();
    throw error;
  }
}
