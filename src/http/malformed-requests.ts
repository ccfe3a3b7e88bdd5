import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';

/** What Node's HTTP parser refuses, and how we word it. Anything else it refuses is a 400. */
const REFUSALS: Record<string, { status: number; description: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, description: 'The request line and headers are too large (16 KiB at most).' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, description: 'The request took too long to arrive.' },
};
const MALFORMED = { status: 400, description: 'The request is not valid HTTP (a malformed request line or header).' };

/**
 * Requests Node's parser refuses (oversized or invalid headers, bytes that are not HTTP, a
 * request that never finishes) never reach Koa, so neither our error handler nor our pages see
 * them. Node would answer with a bare status line; this answers with the same status and an
 * OAuth-style JSON error (RFC 6749 §5.2 shape) saying what was wrong, then closes the connection.
 * The body is left out when the request may be a HEAD (see below): the status line still tells.
 * CONNECT requests, which do not reach Koa either, get a 405 the same way.
 */
export function answerMalformedRequests(server: Server): Server {
  server.on('clientError', (error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex & { _httpMessage?: { headersSent?: boolean } | null }) => {
    // A reset connection has nobody to answer; a response already under way cannot be replaced
    // (the same test Node's own answer makes: the socket's in-flight response, if any, has
    // sent nothing yet; earlier responses on a kept-alive connection do not count).
    if (error.code === 'ECONNRESET' || !socket.writable || socket._httpMessage?.headersSent) {
      socket.destroy();
      return;
    }
    const { status, description } = (error.code && REFUSALS[error.code]) || MALFORMED;
    // An answer to HEAD has no body, and a client reads any as the start of the next response.
    // The method is known only when the packet that failed starts the request; otherwise no body.
    const method = /^([A-Z]+) /.exec(error.rawPacket?.toString('latin1', 0, 16) ?? '')?.[1];
    answerAndClose(socket, status, method && method !== 'HEAD' ? description : undefined);
  });
  // CONNECT (a proxy tunnel) never reaches Koa either; without a listener Node drops the
  // connection without a word.
  server.on('connect', (_request, socket: Duplex) => {
    answerAndClose(socket, 405, 'This server is not a proxy: CONNECT is not supported.');
  });
  return server;
}

function answerAndClose(socket: Duplex, status: number, description: string | undefined): void {
  const body = description ? JSON.stringify({ error: 'invalid_request', error_description: description }) : '';
  socket.end([
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
    ...(body ? ['Content-Type: application/json; charset=utf-8'] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Cache-Control: no-store',
    'X-Content-Type-Options: nosniff',
    'Connection: close',
    '',
    body,
  ].join('\r\n'));
}
