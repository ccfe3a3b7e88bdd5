import type { Context, Middleware } from 'koa';
import type { Logger } from '../observability/logger.js';
import { requestLog } from '../observability/request-observer.js';
import type { Views } from './views.js';
import { setPageHeaders } from '../security/headers.js';
import { errorPage, type StartAgain } from './error-page.js';

interface ErrorLike {
  status?: number;
  statusCode?: number;
  expose?: boolean;
  message?: string;
  error?: string;
  error_description?: string;
}

/** What a client may see of an error: OAuth-style code + description, and the HTTP status. */
export interface PublicError {
  status: number;
  error: string;
  description: string;
}

const RETRY_AFTER_SECONDS = '5';

export function toPublicError(err: unknown): PublicError {
  const e = (err ?? {}) as ErrorLike;
  const status = e.statusCode ?? e.status ?? 500;
  if (e.expose && (status < 500 || status === 503)) {
    // oidc-provider errors keep the OAuth code in `message`; Koa's http-errors only have text.
    const oauthCode = e.error ?? (/^[a-z_]+$/.test(e.message ?? '') ? e.message : undefined);
    return {
      status,
      error: oauthCode ?? (status === 404 ? 'not_found' : 'invalid_request'),
      description: e.error_description ?? (oauthCode ? '' : e.message ?? 'The request is invalid.'),
    };
  }
  return { status: 500, error: 'server_error', description: 'Something went wrong on our side.' };
}

/** An error as JSON, the shape every port of ours answers with (RFC 6749 §5.2 style). */
export function sendJsonError(ctx: Context, out: PublicError): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { error: out.error, ...(out.description ? { error_description: out.description } : {}) };
}

/**
 * The one place our own routes' errors become responses: JSON for API callers, a friendly page
 * for browsers, never a stack trace. oidc-provider answers its own routes; it shares the page
 * through renderError.
 */
export function createErrorHandler(deps: { views: Views; logger: Logger }): Middleware {
  return async function handleErrors(ctx, next) {
    try {
      await next();
    } catch (err) {
      const out = toPublicError(err);
      const log = requestLog(ctx, deps.logger);
      // A 503 is storage unavailable or full, which the store reports itself once per interval
      // (store-guard.ts, create-memory-store.ts): an error line with a stack per refused request
      // would flood the log for as long as it lasts. Info, as oidc-provider's refusals are.
      if (out.status === 503) log.info({ error: out.error, status: out.status, method: ctx.method }, 'request refused: temporarily unavailable');
      else if (out.status >= 500) log.error({ err, method: ctx.method }, 'request failed');
      else log.debug({ error: out.error, status: out.status }, 'request rejected');
      ctx.status = out.status;
      if (ctx.accepts('json', 'html') === 'html') {
        const startAgain = (err as { startAgain?: StartAgain } | undefined)?.startAgain;
        const page = errorPage(out, deps.views.strings, { expired: out.error === 'interaction_expired', startAgain });
        setPageHeaders(ctx);
        ctx.type = 'html';
        ctx.body = await deps.views.render(page.view, page.locals);
      } else {
        sendJsonError(ctx, out);
      }
    }
    if (ctx.status === 503) ctx.set('Retry-After', RETRY_AFTER_SECONDS);
  };
}
