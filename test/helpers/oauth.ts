import * as client from 'openid-client';
import { Browser, type Page } from './browser.js';

export const DEMO_CONFIDENTIAL = { id: 'demo-confidential', secret: 'demo-confidential-secret', redirectUri: 'http://localhost:8080/callback' };
export const DEMO_PUBLIC = { id: 'demo-public', redirectUri: 'http://127.0.0.1:8765/callback' };

/** openid-client (a real relying party) configured by discovery against our issuer. */
export async function discoverClient(issuer: string, id: string, secret?: string): Promise<client.Configuration> {
  const auth = secret ? client.ClientSecretBasic(secret) : client.None();
  return client.discovery(new URL(issuer), id, secret ? { client_secret: secret } : undefined, auth, {
    execute: [client.allowInsecureRequests],
  });
}

export interface AuthorizationResult {
  /** The redirect back to the client (carrying code or error). */
  callback: URL;
  codeVerifier: string;
  state: string;
  nonce: string;
}

/**
 * Runs the browser half of an authorization-code + PKCE flow: authorize → our login page →
 * our consent page → the client's redirect_uri. `decision` answers the consent page if shown.
 */
export async function authorize(
  config: client.Configuration,
  browser: Browser,
  options: {
    redirectUri: string;
    scope: string;
    resource?: string;
    extra?: Record<string, string>;
    username?: string;
    password?: string;
    decision?: 'allow' | 'deny';
    /** Push the request to /oauth/par first (RFC 9126) and send only its request_uri. */
    par?: boolean;
    /** Bind the code to this DPoP key (RFC 9449 §10, dpop_jkt), with PAR. */
    dpop?: client.DPoPHandle;
    /** Answers the two-step verification page, if shown (a code from the app or a recovery code). */
    secondFactorCode?: () => string;
  },
): Promise<AuthorizationResult> {
  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const parameters = {
    redirect_uri: options.redirectUri,
    scope: options.scope,
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...(options.resource ? { resource: options.resource } : {}),
    ...options.extra,
  };
  const url = options.par
    ? await client.buildAuthorizationUrlWithPAR(config, parameters, options.dpop ? { DPoP: options.dpop } : undefined)
    : client.buildAuthorizationUrl(config, parameters);
  const redirectOrigin = new URL(options.redirectUri).origin;
  const atClient = (next: URL) => next.origin === redirectOrigin;
  let page: Page = await browser.open(url, atClient);
  if (page.html.includes('/login"')) {
    page = await browser.submit(page, '/login', { username: options.username ?? 'demo', password: options.password ?? 'demo' }, atClient);
  }
  if (page.html.includes('/second-factor"') && options.secondFactorCode) {
    page = await browser.submit(page, '/second-factor', { code: options.secondFactorCode() }, atClient);
  }
  if (page.html.includes('/consent"')) {
    page = await browser.submit(page, '/consent', { decision: options.decision ?? 'allow' }, atClient);
  }
  if (!atClient(page.url)) throw new Error(`flow did not return to the client; ended at ${page.url} (${page.status}):\n${page.html.slice(0, 1500)}`);
  return { callback: page.url, codeVerifier, state, nonce };
}

/** The whole flow through to tokens, with openid-client validating the ID token. */
export async function signIn(
  config: client.Configuration,
  options: Parameters<typeof authorize>[2] & { browser?: Browser },
) {
  const browser = options.browser ?? new Browser();
  const result = await authorize(config, browser, options);
  const tokens = await client.authorizationCodeGrant(config, result.callback, {
    pkceCodeVerifier: result.codeVerifier,
    expectedState: result.state,
    expectedNonce: result.nonce,
  }, undefined, options.dpop ? { DPoP: options.dpop } : undefined);
  return { tokens, browser, result };
}
