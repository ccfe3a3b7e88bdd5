import { bodyParser } from '@koa/bodyparser';
import type { Context, Middleware } from 'koa';

/**
 * Reads the request body of our own routes: one kind (a form or JSON), in UTF-8, up to `limit`.
 * Never in front of oidc-provider, which reads its own bodies.
 *
 * A body that cannot be read is the client's mistake and is answered as one (see
 * refuseUnreadableBody): without that, a truncated JSON body, an unknown Content-Encoding or a
 * corrupt gzip stream each became a 500, and a parse error was logged with the raw body in it.
 */
export function readBody(kind: 'form' | 'json', limit: string): Middleware {
  return bodyParser({
    enableTypes: [kind],
    ...(kind === 'form' ? { formLimit: limit } : { jsonLimit: limit }),
    encoding: 'utf-8',
    onError: refuseUnreadableBody,
  });
}

/**
 * The body parser's errors as 4xx answers that say what was wrong. Its parts mark the client's
 * mistakes with a status but not as safe to show (co-body's parse errors, inflation's unknown
 * Content-Encoding), and zlib's errors on a corrupt compressed body carry no status at all.
 * Anything else is ours and stays a 500.
 */
export function refuseUnreadableBody(error: Error, ctx: Context): never {
  const { status, code } = error as { status?: number; code?: unknown };
  // zlib's codes (gzip, deflate) start with Z_, Node's for brotli with ERR__ERROR_.
  const corruptStream = typeof code === 'string' && (code.startsWith('Z_') || code.startsWith('ERR__ERROR_'));
  if (!corruptStream && !(typeof status === 'number' && status >= 400 && status < 500)) throw error;
  if (status === 413) ctx.throw(413, 'The request body is too large.');
  if (status === 415) ctx.throw(415, 'The request body is in a Content-Encoding or charset this server does not read (it reads gzip, deflate and br, in UTF-8).');
  if (corruptStream) ctx.throw(400, 'The request body is not valid for its Content-Encoding.');
  if (error instanceof SyntaxError) ctx.throw(400, 'The request body is not valid JSON (an object or an array).');
  ctx.throw(400, 'The request body could not be read.');
}
