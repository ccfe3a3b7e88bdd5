import Koa from 'koa';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { AccountService } from './accounts/account-service.js';
import type { SecondFactorService } from './accounts/second-factor.js';
import { createAccountSecurityRouter } from './account-security/security-router.js';
import { createAssetsMiddleware } from './http/assets.js';
import { createErrorHandler } from './http/error-handler.js';
import { notFound } from './http/not-found.js';
import { onlyAt, onlyUnder } from './http/path-scope.js';
import { allowedMethodsAsErrors } from './http/route-table.js';
import type { Views } from './http/views.js';
import { createInteractionRouter } from './interactions/interaction-router.js';
import { createHealthRouter, createServerReadiness, HEALTH_PATHS } from './observability/health.js';
import type { Logger } from './observability/logger.js';
import type { Metrics } from './observability/metrics.js';
import { createRequestObserver } from './observability/request-observer.js';
import type { ProviderHost } from './provider/provider-host.js';
import type { ResourceServerRegistry } from './provider/resource-servers.js';
import { ACCOUNT_SECURITY_PATH, INTERACTION_PATH, providerRouteTest, ROUTES } from './provider/routes.js';
import { createCookieSigner } from './security/cookie-signer.js';
import { createCsrfTokens } from './security/csrf.js';
import { rejectCrossSitePosts } from './security/cross-site-posts.js';
import { createSecurityHeaders } from './security/headers.js';
import { createHostGuard } from './security/host-guard.js';
import type { LoginThrottle } from './security/login-throttle.js';
import { createAddressRateLimit } from './security/address-rate-limit.js';
import type { Store } from './store/store.js';

export interface AppDeps {
  issuer: string;
  trustProxy: boolean;
  /** The current oidc-provider (rebuilt when signing keys or resource servers change). */
  provider: ProviderHost;
  store: Store;
  accounts: AccountService;
  secondFactor: SecondFactorService;
  resourceServers: ResourceServerRegistry;
  cookieKeys: string[];
  loginThrottle: LoginThrottle;
  /** Per client address: dynamic registration (it stores clients), and device code entry (RFC 8628 §5.1: codes can be guessed). */
  rateLimiters: { registration: RateLimiterAbstract; deviceCodeEntry: RateLimiterAbstract };
  views: Views;
  logger: Logger;
  metrics?: Metrics | undefined;
  /** The keys the current provider signs with and publishes; their algorithms are reported by /readyz. */
  signingKeys?: () => readonly { alg?: string | undefined }[];
  draining?: () => boolean;
  /** GET /metrics on this port (unset when it has its own port or is disabled). */
  metricsEndpoint?: Koa.Middleware | undefined;
}

/** Wires the authorization server's middleware in order. No I/O happens here. */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  // Proxy trust belongs on the outer app: it decides ctx.ip (rate limits, logs) from X-Forwarded-For.
  app.proxy = deps.trustProxy;
  // Signed cookies (ours and oidc-provider's, which runs on this app's context).
  app.keys = createCookieSigner(deps.cookieKeys);
  // Errors are answered by the error handler; the app's own handler would print them.
  app.silent = true;

  const basePath = new URL(deps.issuer).pathname.replace(/\/$/, '');
  const interactionPrefix = `${basePath}${INTERACTION_PATH}`;
  const accountSecurityPrefix = `${basePath}${ACCOUNT_SECURITY_PATH}`;
  // Forms oidc-provider serves: its routes match whatever the letter case and a trailing slash.
  const isLogoutConfirm = providerRouteTest(`${ROUTES.end_session}/confirm`, { basePath });
  const isDeviceVerification = providerRouteTest(ROUTES.code_verification, { basePath, below: 'also' });
  // Every form a person submits from our pages; none is ever posted from another site.
  const isOurForm = (path: string) => [interactionPrefix, accountSecurityPrefix]
    .some((prefix) => path === prefix || path.startsWith(`${prefix}/`)) || isLogoutConfirm(path) || isDeviceVerification(path);
  const health = createHealthRouter(createServerReadiness({
    store: deps.store, timeoutMs: 1000, signingKeys: deps.signingKeys ?? (() => []), ...(deps.draining ? { draining: deps.draining } : {}),
  }));
  const csrf = createCsrfTokens({ keys: deps.cookieKeys });
  const interactions = createInteractionRouter({
    provider: deps.provider,
    accounts: deps.accounts,
    secondFactor: deps.secondFactor,
    views: deps.views,
    csrf,
    throttle: deps.loginThrottle,
    resourceServers: deps.resourceServers,
    logger: deps.logger,
    ...(deps.metrics ? { loginMetrics: deps.metrics.login } : {}),
    prefix: interactionPrefix,
  });
  const accountSecurity = createAccountSecurityRouter({
    accounts: deps.accounts, secondFactor: deps.secondFactor, views: deps.views, csrf, throttle: deps.loginThrottle, logger: deps.logger,
    replayCache: deps.store.replayCache,
    ...(deps.metrics ? { loginMetrics: deps.metrics.login } : {}),
    prefix: accountSecurityPrefix,
  });

  app.use(createRequestObserver({ logger: deps.logger, metrics: deps.metrics, server: 'as' }));
  app.use(createErrorHandler({ views: deps.views, logger: deps.logger }));
  app.use(createSecurityHeaders({ hsts: deps.issuer.startsWith('https:'), providerPages: true }));
  app.use(notFound);
  // Routers only see requests for their own paths: a token request skips them all.
  app.use(onlyAt(HEALTH_PATHS, health.routes()));
  if (deps.metricsEndpoint) app.use(deps.metricsEndpoint);
  app.use(createHostGuard(app, deps.issuer));
  // Where the pages link them (the issuer's path and ASSETS_PATH, server.ts).
  app.use(createAssetsMiddleware({ mountPath: deps.views.assetsPath }));
  app.use(authorizationServerMetadataAlias(basePath));
  app.use(rejectCrossSitePosts(isOurForm));
  app.use(onlyUnder(interactionPrefix, interactions.routes(), allowedMethodsAsErrors(interactions.allowedMethods())));
  app.use(onlyUnder(accountSecurityPrefix, accountSecurity.routes(), allowedMethodsAsErrors(accountSecurity.allowedMethods())));
  // Registering a client (POST), not a client managing its own registration (RFC 7592, below it).
  const isRegistration = providerRouteTest(ROUTES.registration, { basePath });
  app.use(createAddressRateLimit({
    limiter: deps.rateLimiters.registration, applies: (ctx) => ctx.method === 'POST' && isRegistration(ctx.path), logger: deps.logger, event: 'registration.throttled',
    tooMany: (seconds) => `Too many registration requests from this address. Retry in ${seconds} s.`,
  }));
  // Every code typed in (and every confirmation) counts, so user codes cannot be guessed at speed.
  const isCodeEntry = providerRouteTest(ROUTES.code_verification, { basePath });
  app.use(createAddressRateLimit({
    limiter: deps.rateLimiters.deviceCodeEntry, applies: (ctx) => ctx.method === 'POST' && isCodeEntry(ctx.path), logger: deps.logger,
    event: 'device_code_entry.throttled',
    tooMany: (seconds) => `Too many device codes were entered from this address. Try again in ${Math.ceil(seconds / 60)} minutes.`,
  }));
  // No body parser may run before the provider.
  app.use(deps.provider.middleware());
  return app;
}

/**
 * RFC 8414 metadata lives at /.well-known/oauth-authorization-server (with the issuer's path
 * appended); oidc-provider serves the same document as OpenID discovery.
 */
function authorizationServerMetadataAlias(basePath: string): Koa.Middleware {
  const alias = `/.well-known/oauth-authorization-server${basePath}`;
  const target = `${basePath}/.well-known/openid-configuration`;
  return function metadataAlias(ctx, next) {
    if (ctx.path === alias) ctx.path = target;
    return next();
  };
}
