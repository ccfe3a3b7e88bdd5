import * as client from 'openid-client';
import type { Logger } from '../observability/logger.js';
import type { DemoConfig } from './demo-config.js';

export interface RelyingParty {
  /**
   * The openid-client configuration: discovered (and, without DEMO_CLIENT_ID, registered) on first
   * use, so the demo may start before Gatehouse does. A failure is retried on the next call.
   */
  configuration(): Promise<client.Configuration>;
  /** Resolves when Gatehouse answers its discovery document within `timeoutMs`. */
  ping(timeoutMs: number): Promise<void>;
  /** The metadata the demo registers itself with (RFC 7591) when no client id is configured. */
  readonly registrationMetadata: Partial<client.ClientMetadata>;
}

export function createRelyingParty(config: DemoConfig, logger: Logger): RelyingParty {
  const issuerOrigin = new URL(config.issuer).origin;
  const internalOrigin = config.issuerInternalUrl ? new URL(config.issuerInternalUrl).origin : undefined;
  // Back-channel requests to the issuer go to its internal address; the issuer identifier (and so
  // every `iss` check openid-client makes) stays the public one.
  const backChannelFetch: client.CustomFetch = (url, options) => {
    const target = internalOrigin && url.startsWith(issuerOrigin) ? internalOrigin + url.slice(issuerOrigin.length) : url;
    return fetch(target, options as RequestInit);
  };
  const options: client.DiscoveryRequestOptions = {
    [client.customFetch]: backChannelFetch,
    // Plain http only for a local issuer; openid-client refuses it otherwise.
    execute: config.issuer.startsWith('http:') ? [client.allowInsecureRequests] : [],
    timeout: 5,
  };
  const demoOrigin = new URL(config.redirectUri).origin;
  const registrationMetadata: Partial<client.ClientMetadata> = {
    client_name: 'Gatehouse Demo',
    client_uri: `${demoOrigin}/`,
    logo_uri: `${demoOrigin}/assets/logo.svg`,
    redirect_uris: [config.redirectUri],
    post_logout_redirect_uris: [config.postLogoutRedirectUri],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: config.scope,
  };

  let pending: Promise<client.Configuration> | undefined;
  const connect = async (): Promise<client.Configuration> => {
    const server = new URL(config.issuer);
    if (config.clientId) {
      return client.discovery(server, config.clientId, config.clientSecret, client.ClientSecretBasic(config.clientSecret), options);
    }
    const registered = await client.dynamicClientRegistration(server, registrationMetadata, client.ClientSecretBasic(), options);
    logger.info({ clientId: registered.clientMetadata().client_id }, 'registered the demo with Gatehouse (RFC 7591)');
    return registered;
  };

  return {
    registrationMetadata,
    configuration() {
      pending ??= connect().catch((error: unknown) => {
        pending = undefined;
        throw error;
      });
      return pending;
    },
    async ping(timeoutMs) {
      const response = await backChannelFetch(`${config.issuer}/.well-known/openid-configuration`, {
        method: 'GET',
        body: undefined,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
        headers: { accept: 'application/json' },
      });
      if (!response.ok) throw new Error(`discovery answered ${response.status}`);
    },
  };
}
