import Router from '@koa/router';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import Koa, { type Context } from 'koa';
import * as client from 'openid-client';
import { createAssetsMiddleware } from '../http/assets.js';
import { notFound } from '../http/not-found.js';
import { readBody } from '../http/read-body.js';
import { allowedMethodsAsErrors } from '../http/route-table.js';
import { createViews } from '../http/views.js';
import { createHealthRouter } from '../observability/health.js';
import type { Logger } from '../observability/logger.js';
import { createSecurityHeaders, setPageHeaders } from '../security/headers.js';
import { claimRows, decodeAccessToken } from './claim-rows.js';
import type { DemoConfig } from './demo-config.js';
import { describeOAuthError } from './describe-oauth-error.js';
import type { RelyingParty } from './relying-party.js';
import { createSessionStore, type DemoSession, type DemoTokens } from './session-store.js';

export const DEMO_VIEWS_DIR = fileURLToPath(new URL('../../views/demo', import.meta.url));

export interface DemoAppDeps {
  config: DemoConfig;
  relyingParty: RelyingParty;
  logger: Logger;
}

const COOKIE = 'gatehouse_demo';

/**
 * The demo relying party: signs users in with authorization code + PKCE (openid-client), shows
 * what it received, calls the protected API, refreshes, and signs out through Gatehouse.
 */
export function createDemoApp(deps: DemoAppDeps): Koa {
  const { config, relyingParty, logger } = deps;
  const app = new Koa();
  // The session cookie's key lives as long as the sessions it points at: this process.
  app.keys = [randomBytes(32).toString('base64url')];
  app.silent = true;
  const secureCookies = config.redirectUri.startsWith('https:');
  const views = createViews({ viewsDir: DEMO_VIEWS_DIR, assetsPath: '/assets', cache: true });
  const sessions = createSessionStore();
  const forms = readBody('form', '4kb');
  const router = new Router();

  const sessionOf = (ctx: Context): DemoSession => {
    const existing = sessions.get(ctx.cookies.get(COOKIE, { signed: true }));
    if (existing) return existing;
    return startSession(ctx);
  };
  const startSession = (ctx: Context): DemoSession => {
    const { id, session } = sessions.create();
    ctx.cookies.set(COOKIE, id, { signed: true, httpOnly: true, sameSite: 'lax', secure: secureCookies, overwrite: true });
    return session;
  };
  const render = async (ctx: Context, name: string, locals: Record<string, unknown>) => {
    setPageHeaders(ctx);
    ctx.type = 'html';
    ctx.body = await views.render(name, locals);
  };
  // Every form of the demo carries the session's token; SameSite=Lax alone would do, this says so.
  const requireCsrf = (ctx: Context, session: DemoSession) => {
    const sent = Buffer.from(String((ctx.request.body as Record<string, unknown> | undefined)?.['csrf'] ?? ''));
    const expected = Buffer.from(session.csrf);
    if (sent.length !== expected.length || !timingSafeEqual(sent, expected)) ctx.throw(403, 'This form has expired. Reload the page and try again.');
  };
  const back = (ctx: Context) => {
    ctx.status = 303;
    ctx.redirect('/');
  };

  // Ready when Gatehouse answers and the demo knows its client (discovered or registered).
  router.use(createHealthRouter(async () => {
    try {
      await relyingParty.ping(2000);
      const configuration = await relyingParty.configuration();
      return { status: 200, body: { status: 'ready', issuer: configuration.serverMetadata().issuer, client_id: configuration.clientMetadata().client_id } };
    } catch (error) {
      logger.warn({ err: error }, 'Gatehouse is not reachable');
      return { status: 503, body: { status: 'unavailable', issuer: config.issuer } };
    }
  }).routes());

  router.get('/', async (ctx) => {
    const session = sessionOf(ctx);
    const state = typeof ctx.query['state'] === 'string' ? ctx.query['state'] : undefined;
    if (state && session.logoutState === state) {
      session.logoutState = undefined;
      session.notice = { kind: 'info', text: 'You are signed out. Gatehouse sent you back here.' };
      return back(ctx);
    }
    const notice = session.notice;
    const apiResult = session.apiResult;
    session.notice = undefined;
    const tokens = session.tokens;
    await render(ctx, 'home', {
      config,
      csrf: session.csrf,
      notice,
      apiResult,
      tokens,
      idClaims: tokens ? claimRows(tokens.idTokenClaims) : [],
      accessClaims: tokens ? claimRows(decodeAccessToken(tokens.accessToken)) : [],
      expiresIn: tokens?.expiresAt ? tokens.expiresAt - Math.floor(Date.now() / 1000) : undefined,
      name: tokens ? String(tokens.idTokenClaims['name'] ?? tokens.idTokenClaims['preferred_username'] ?? tokens.idTokenClaims['sub']) : '',
    });
  });

  // Starts a sign-in. Also the login initiation endpoint of OpenID Connect Core §4 (`iss` given).
  router.get('/login', async (ctx) => {
    const iss = ctx.query['iss'];
    if (iss !== undefined && iss !== config.issuer) ctx.throw(400, 'This sign-in was started by an issuer the demo does not know.');
    const configuration = await relyingParty.configuration();
    const session = sessionOf(ctx);
    const pending = { state: client.randomState(), nonce: client.randomNonce(), codeVerifier: client.randomPKCECodeVerifier() };
    session.pending = pending;
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: config.redirectUri,
      scope: config.scope,
      // RFC 8707: the access token is for the API (a JWT whose aud is the API).
      resource: config.apiResource,
      code_challenge: await client.calculatePKCECodeChallenge(pending.codeVerifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
      // oidc-provider issues a refresh token (offline_access) only when consent is asked for.
      prompt: 'consent',
    });
    ctx.redirect(url.href);
  });

  router.get('/callback', async (ctx) => {
    const session = sessionOf(ctx);
    const pending = session.pending;
    session.pending = undefined;
    if (!pending) {
      session.notice = { kind: 'error', text: 'This sign-in response does not belong to a sign-in started here, or it was already used. Sign in again.' };
      return back(ctx);
    }
    const configuration = await relyingParty.configuration();
    try {
      const currentUrl = new URL(ctx.originalUrl, config.redirectUri);
      const response = await client.authorizationCodeGrant(configuration, currentUrl, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      session.tokens = toTokens(response);
      session.apiResult = undefined;
      session.notice = { kind: 'info', text: 'Signed in. openid-client checked the ID token (signature, iss, aud, nonce) and the PKCE exchange.' };
      logger.info({ event: 'demo.signed_in', sub: session.tokens.idTokenClaims['sub'] }, 'signed in');
    } catch (error) {
      session.notice = { kind: 'error', text: describeOAuthError(error, 'Signing in did not work', config.issuer) };
    }
    back(ctx);
  });

  router.post('/api/read', forms, async (ctx) => {
    const session = sessionOf(ctx);
    requireCsrf(ctx, session);
    await callApi(session, 'GET', '/protected');
    back(ctx);
  });

  router.post('/api/write', forms, async (ctx) => {
    const session = sessionOf(ctx);
    requireCsrf(ctx, session);
    await callApi(session, 'POST', '/protected/messages', { text: `Hello from the demo at ${new Date().toISOString()}` });
    back(ctx);
  });

  router.post('/refresh', forms, async (ctx) => {
    const session = sessionOf(ctx);
    requireCsrf(ctx, session);
    const tokens = session.tokens;
    if (!tokens?.refreshToken) {
      session.notice = { kind: 'error', text: 'There is no refresh token: sign in first.' };
      return back(ctx);
    }
    try {
      const response = await client.refreshTokenGrant(await relyingParty.configuration(), tokens.refreshToken);
      // A refresh answers without an ID token here; keep the one from signing in.
      session.tokens = { ...toTokens(response, tokens), refreshedAt: Math.floor(Date.now() / 1000) };
      session.notice = { kind: 'info', text: 'Refreshed: a new access token, and a new refresh token (the old one is now spent).' };
    } catch (error) {
      session.notice = { kind: 'error', text: describeOAuthError(error, 'Refreshing did not work', config.issuer) };
    }
    back(ctx);
  });

  // RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): forget the tokens here, then
  // let Gatehouse end its session and send the user back to the home page.
  router.post('/logout', forms, async (ctx) => {
    const session = sessionOf(ctx);
    requireCsrf(ctx, session);
    const idToken = session.tokens?.idToken;
    sessions.delete(ctx.cookies.get(COOKIE, { signed: true }) ?? '');
    const next = startSession(ctx);
    next.logoutState = client.randomState();
    const configuration = await relyingParty.configuration();
    const url = client.buildEndSessionUrl(configuration, {
      post_logout_redirect_uri: config.postLogoutRedirectUri,
      state: next.logoutState,
      ...(idToken ? { id_token_hint: idToken } : { client_id: configuration.clientMetadata().client_id }),
    });
    ctx.status = 303;
    ctx.redirect(url.href);
  });

  async function callApi(session: DemoSession, method: 'GET' | 'POST', path: string, json?: unknown): Promise<void> {
    if (!session.tokens) {
      session.notice = { kind: 'error', text: 'Sign in first: the API needs an access token.' };
      return;
    }
    const url = new URL(path, `${config.apiUrl}/`);
    const headers = new Headers({ accept: 'application/json' });
    if (json !== undefined) headers.set('content-type', 'application/json');
    let response: Response;
    try {
      response = await client.fetchProtectedResource(await relyingParty.configuration(), session.tokens.accessToken, url, method,
        json === undefined ? null : JSON.stringify(json), headers);
    } catch (error) {
      // 401/403 arrive as a WWW-Authenticate challenge error that still carries the response.
      const challenged = (error as { response?: Response }).response;
      if (!challenged) {
        session.apiResult = { request: `${method} ${url.href}`, status: 0, body: `The API did not answer: ${(error as Error).message}` };
        return;
      }
      response = challenged;
    }
    const text = await response.text();
    session.apiResult = { request: `${method} ${url.pathname}`, status: response.status, body: pretty(text) };
  }

  app.use(async function handleErrors(ctx, next) {
    try {
      await next();
    } catch (error) {
      const status = (error as { status?: number; expose?: boolean }).expose ? (error as { status: number }).status : 502;
      if (status >= 500) logger.error({ err: error, path: ctx.path }, 'demo request failed');
      ctx.status = status;
      await render(ctx, 'error', {
        message: status >= 500
          ? `The demo could not reach Gatehouse at ${config.issuer}. Is it running? (${(error as Error).message})`
          : status === 404 ? 'There is no page at this address.' : (error as Error).message,
      });
    }
  });
  app.use(createSecurityHeaders({ hsts: secureCookies }));
  // An address nothing answers gets the error page too, not Koa's plain-text "Not Found".
  app.use(notFound);
  app.use(createAssetsMiddleware({ assetsDir: `${DEMO_VIEWS_DIR}/assets`, mountPath: '/assets', files: ['demo.css', 'logo.svg'] }));
  app.use(router.routes());
  app.use(allowedMethodsAsErrors(router.allowedMethods()));
  return app;
}

function toTokens(response: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers, previous?: DemoTokens): DemoTokens {
  const claims = response.claims();
  return {
    idToken: response.id_token ?? previous?.idToken ?? '',
    accessToken: response.access_token,
    refreshToken: response.refresh_token ?? previous?.refreshToken,
    expiresAt: response.expires_in === undefined ? undefined : Math.floor(Date.now() / 1000) + response.expires_in,
    scope: response.scope,
    idTokenClaims: claims ? { ...claims } : previous?.idTokenClaims ?? {},
  };
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
