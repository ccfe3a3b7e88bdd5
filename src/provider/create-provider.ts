import Provider, { type ClientMetadata, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { createCookieSigner } from '../security/cookie-signer.js';
import { ConfigError } from '../config/config-error.js';
import type { AccountService } from '../accounts/account-service.js';
import { accountClaims, CLAIMS_BY_SCOPE } from '../accounts/claims.js';
import type { Config, NodeEnv } from '../config/load-config.js';
import type { Views } from '../http/views.js';
import type { PrivateJwks } from '../keys/signing-keys.js';
import type { ReplayCache } from '../store/replay-cache.js';
import type { Store } from '../store/store.js';
import { ACR_VALUES, SIGN_IN_CLAIMS } from './acr.js';
import { backchannelLogoutFeature } from './backchannel-logout.js';
import { assertClientAssertionLifetime, CLIENT_AUTH_METHODS } from './client-authentication.js';
import { acceptHashedClientSecrets } from './client-secret-comparison.js';
import { newClientId } from './client-id.js';
import { extraClientMetadata } from './client-metadata.js';
import { clientBasedCORS } from './cors.js';
import { developmentLoopbackFetch } from './development-loopback-fetch.js';
import { deviceFlowFeature, devicePolling, restartCodeEntryWithoutSession } from './device-flow.js';
import { dPoPFeature } from './dpop.js';
import { createProviderPages } from './pages.js';
import { pushedAuthorizationRequestsFeature } from './pushed-authorization.js';
import { resourceIndicatorsFeature, type ResourceServerRegistry } from './resource-servers.js';
import { interactionPolicyWithAccountCheck } from './interaction-policy.js';
import { INTERACTION_PATH, ROUTES } from './routes.js';
import { OIDC_SCOPES } from './scopes.js';
import { introspectionAllowed, issueRefreshToken, revocationAllowed, rotateRefreshToken, tokenStillBacked } from './token-policies.js';
import { ttl } from './ttl.js';

export interface ProviderDeps {
  issuer: string;
  env: NodeEnv;
  production: boolean;
  registration: Config['registration'];
  store: Store;
  /** The key set's published keys, active ones first (see keys/key-set.ts), and the cookie keys. */
  secrets: { signingKeys: PrivateJwks; cookieKeys: string[] };
  accounts: AccountService;
  resourceServers: ResourceServerRegistry;
  staticClients: readonly ClientMetadata[];
  views: Views;
  /** Device-flow poll tracking (and anything else that must be accepted once). */
  replayCache: ReplayCache;
  /** PAR_REQUIRED: every authorization request must be pushed (RFC 9126 §5). */
  parRequired: boolean;
  /** RFC 8628 §3.2 polling interval in seconds. */
  devicePollIntervalSeconds: number;
}

export { OIDC_SCOPES };

/**
 * oidc-provider, configured by concern (see the imports). Configuration errors surface here,
 * at boot: static clients are validated before the first request.
 */
export async function createProvider(deps: ProviderDeps): Promise<Provider> {
  const pages = createProviderPages(deps.views);
  const basePath = new URL(deps.issuer).pathname.replace(/\/$/, '');

  const configuration: Configuration = {
    adapter: deps.store.adapterFactory,
    clients: deps.staticClients.map((client) => ({ ...client })),
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    },
    extraClientMetadata: extraClientMetadata(),
    clientAuthMethods: [...CLIENT_AUTH_METHODS],
    assertJwtClientAuthClaimsAndHeader: assertClientAssertionLifetime,
    acrValues: [...ACR_VALUES],
    ...withDefined({ fetch: developmentLoopbackFetch(deps.env) }),
    jwks: deps.secrets.signingKeys as Configuration['jwks'],
    cookies: {
      // One signer with its keys prepared once, instead of a Keygrip per request: oidc-provider's
      // own contexts (interactionDetails, interactionResult) sign and check with it. The host
      // app has a signer of the same keys (app.ts), for requests that run on its context.
      keys: createCookieSigner(deps.secrets.cookieKeys) as unknown as NonNullable<Configuration['cookies']>['keys'],
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    claims: {
      // oidc-provider's defaults, which this setting replaces: the session id and the issuer.
      sid: null,
      iss: null,
      ...Object.fromEntries(Object.entries(CLAIMS_BY_SCOPE).map(([scope, claims]) => [scope, [...claims]])),
      openid: [...CLAIMS_BY_SCOPE.openid, ...SIGN_IN_CLAIMS],
    },
    scopes: [...OIDC_SCOPES, ...deps.resourceServers.scopeDescriptions().keys()],
    // Undefined for a deleted or disabled account: its tokens stop working, and a browser still
    // signed in as it is asked to sign in again (interaction-policy.ts).
    async findAccount(_ctx: KoaContextWithOIDC, sub: string) {
      const account = await deps.accounts.findActive(sub);
      if (!account) return undefined;
      return { accountId: account.id, claims: () => accountClaims(account) as { sub: string } };
    },
    interactions: {
      policy: interactionPolicyWithAccountCheck(),
      // The client id rides along so that an expired page can still lead back to the application.
      url: (_ctx, interaction) =>
        `${basePath}${INTERACTION_PATH}/${interaction.uid}?client_id=${encodeURIComponent(String(interaction.params['client_id'] ?? ''))}`,
    },
    // RFC 9700 §2.1.1: PKCE for every client; oidc-provider v9 only implements S256.
    pkce: { required: () => true },
    // OAuth 2.1: no implicit or hybrid flows.
    responseTypes: ['code'],
    routes: ROUTES,
    ttl,
    rotateRefreshToken,
    issueRefreshToken,
    renderError: pages.renderError,
    clientBasedCORS,
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        async allowedPolicy(ctx, client, token) {
          return introspectionAllowed(ctx, client, token) && tokenStillBacked(ctx, token, (id) => deps.accounts.findById(id));
        },
      },
      revocation: { enabled: true, allowedPolicy: revocationAllowed },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: pages.logoutSource,
        postLogoutSuccessSource: pages.postLogoutSuccessSource,
      },
      // RFC 7591/7592: open in development so any library can self-register; production needs an
      // initial access token (`gatehouse token initial-access`) or has registration closed.
      registration: {
        enabled: deps.registration !== 'closed',
        initialAccessToken: deps.registration === 'initial-access-token',
        idFactory: newClientId,
      },
      registrationManagement: { enabled: deps.registration !== 'closed', rotateRegistrationAccessToken: true },
      resourceIndicators: resourceIndicatorsFeature(deps.resourceServers),
      deviceFlow: deviceFlowFeature(deps.views),
      pushedAuthorizationRequests: pushedAuthorizationRequestsFeature(deps.parRequired),
      dPoP: dPoPFeature(),
      backchannelLogout: backchannelLogoutFeature(),
    },
  };

  const provider = new Provider(deps.issuer, configuration);
  acceptHashedClientSecrets(provider);
  provider.use(restartCodeEntryWithoutSession({ sessionCookie: provider.cookieName('session'), issuer: deps.issuer }));
  provider.use(devicePolling({ replayCache: deps.replayCache, intervalSeconds: deps.devicePollIntervalSeconds }));
  const problems: string[] = [];
  for (const client of deps.staticClients) {
    // Client.find validates the metadata; a broken static client must stop the boot, not a login.
    await provider.Client.find(String(client.client_id)).catch((error: { error_description?: string; message: string }) => {
      problems.push(`client "${client.client_id}": ${error.error_description ?? error.message}`);
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return provider;
}

/** Leaves out options that are undefined, so oidc-provider keeps its default for them. */
function withDefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
