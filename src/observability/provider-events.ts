import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { gtyLabel } from './grant-type-label.js';
import { requestLog } from './request-observer.js';

/** Every `*.error` event oidc-provider 9 emits: a request refused with an OAuth error (client-caused). */
export const PROVIDER_ERROR_EVENTS = [
  'authorization.error', 'backchannel.error', 'backchannel_authentication.error', 'challenge.error',
  'code_verification.error', 'device_authorization.error', 'device_resume.error', 'discovery.error',
  'end_session.error', 'end_session_confirm.error', 'end_session_success.error', 'grant.error',
  'introspection.error', 'jwks.error', 'pushed_authorization_request.error', 'registration_create.error',
  'registration_delete.error', 'registration_read.error', 'registration_update.error', 'revocation.error',
  'userinfo.error',
] as const;

/** Token models whose `.saved` (stored, opaque) or `.issued` (not stored, JWT) events count as issuance. */
const TOKEN_KINDS = ['access_token', 'client_credentials', 'refresh_token'] as const;

interface OAuthErrorLike {
  error?: string;
  error_description?: string;
  error_detail?: string;
  statusCode?: number;
  cause?: unknown;
}

/**
 * oidc-provider's detail of a refusal, for the log. For a body it could not parse the detail is
 * the parser's message, and JSON.parse quotes the body around the fault (the client_secret of an
 * RFC 7592 update, say): that one is replaced by what was wrong.
 */
function loggableDetail(err: OAuthErrorLike | undefined): string | undefined {
  return err?.cause instanceof SyntaxError ? 'the body is not valid JSON' : bounded(err?.error_detail);
}

// A refusal's description may quote what the client sent (a grant type name of 50 KB, say): the
// log keeps its start, so a line stays short, and whole in one write (log-buffer.ts).
const MAX_LOGGED_TEXT = 300;
function bounded(text: string | undefined): string | undefined {
  return text !== undefined && text.length > MAX_LOGGED_TEXT ? `${text.slice(0, MAX_LOGGED_TEXT)}… (${text.length} characters)` : text;
}

interface TokenLike {
  clientId?: string;
  gty?: string;
  format?: string;
}

/**
 * oidc-provider's events -> logs and metrics, in one place.
 * - server_error: error (a bug or a storage failure; the client saw 500/503).
 * - *.error: info (a client sent something we refused; the OAuth error and oidc-provider's detail
 *   say why). Enough to debug a client, not a page for the on-call.
 * - grant.revoked / end_session.success: info. grant.success: debug, since the request's access-log
 *   line already carries its client and grant type (one info line per token request).
 * - token saved/issued/consumed: debug, and the issuance counters.
 * Never a token, code or jti: an opaque token's jti IS its value.
 */
export function observeProviderEvents(provider: Provider, deps: { logger: Logger; metrics?: Metrics | undefined }): void {
  const { logger, metrics } = deps;
  const log = (ctx: KoaContextWithOIDC | undefined) => requestLog(ctx as never, logger);
  // Debug lines come on every token request: when they are off, not even the request's child
  // logger is made for them.
  const debugging = () => logger.isLevelEnabled('debug');
  const client = (ctx: KoaContextWithOIDC | undefined) => ctx?.oidc?.client?.clientId;
  // The typings list only some event names; the emitter takes any.
  const on = provider.on.bind(provider) as (event: string, listener: (...args: never[]) => void) => void;

  on('server_error', (ctx: KoaContextWithOIDC, err: Error) => {
    log(ctx).error({ event: 'server_error', route: ctx?.oidc?.route, client: client(ctx), err }, 'oidc-provider server_error');
  });

  for (const event of PROVIDER_ERROR_EVENTS) {
    on(event, (ctx: KoaContextWithOIDC, err: OAuthErrorLike) => {
      log(ctx).info({
        event,
        client: client(ctx),
        error: err?.error,
        error_description: bounded(err?.error_description),
        detail: loggableDetail(err),
        status: err?.statusCode,
      }, `${event.replace('.error', '')} refused: ${err?.error ?? 'error'}`);
    });
  }

  on('grant.success', (ctx: KoaContextWithOIDC) => {
    if (debugging()) log(ctx).debug({ event: 'grant.success', client: client(ctx), grant_type: ctx.oidc?.params?.['grant_type'] }, 'token issued');
  });
  on('grant.revoked', (ctx: KoaContextWithOIDC, grantId: string) => {
    log(ctx).info({ event: 'grant.revoked', client: client(ctx), grantId }, 'grant revoked');
  });
  on('end_session.success', (ctx: KoaContextWithOIDC) => {
    log(ctx).info({ event: 'end_session.success', client: client(ctx) }, 'signed out');
  });

  for (const kind of TOKEN_KINDS) {
    const issued = (token: TokenLike) => {
      const grantType = kind === 'client_credentials' ? 'client_credentials' : gtyLabel(token.gty);
      const format = kind === 'refresh_token' ? 'opaque' : token.format ?? 'opaque';
      metrics?.tokenIssued(kind, grantType, format);
      if (debugging()) log(providerContext()).debug({ event: `${kind}.issued`, client: token.clientId, grant_type: grantType, format }, `${kind} issued`);
    };
    on(`${kind}.saved`, issued);
    on(`${kind}.issued`, issued);
  }
  for (const kind of ['authorization_code', 'refresh_token'] as const) {
    on(`${kind}.consumed`, (token: TokenLike) => {
      if (debugging()) log(providerContext()).debug({ event: `${kind}.consumed`, client: token.clientId }, `${kind} consumed`);
    });
  }
}

/** The request oidc-provider is serving (model events carry the model, not the context). */
export function providerContext(): KoaContextWithOIDC | undefined {
  return (Provider as unknown as { ctx?: KoaContextWithOIDC }).ctx;
}
