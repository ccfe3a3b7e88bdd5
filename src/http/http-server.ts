import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerMalformedRequests } from './malformed-requests.js';

/** Request line and headers together: larger requests get a 431 from answerMalformedRequests. */
const MAX_HEADER_BYTES = 16 * 1024;

/**
 * The HTTP server for one of our apps (authorization server, protected API, metrics), with the
 * bounds each needs: headers of at most 16 KiB, slowloris bounds (10 s to send the headers, 30 s
 * for the whole request), and what Node's parser refuses answered as an OAuth JSON error.
 */
export function createHttpServer(listener: RequestListener): Server {
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, listener);
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  return answerMalformedRequests(server);
}

/** Listens on host:port, adds the server to `servers` once it listens, and gives its URL. */
export async function listen(server: Server, host: string, port: number, servers: Server[]): Promise<string> {
  server.listen(port, host);
  await once(server, 'listening');
  servers.push(server);
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${shownHost}:${address.port}`;
}

/** drain() for each of `servers` at once: every port a process opened. */
export async function drainAll(servers: readonly Server[], graceMs: number): Promise<void> {
  await Promise.all(servers.map((server) => drain(server, graceMs)));
}

/**
 * Stops accepting, closes idle connections, and cuts the rest after `graceMs`; resolves once closed.
 * A connection busy at the start is closed as soon as its answer is out, and a request that
 * reaches one meanwhile is answered with Connection: close: nothing new is served on a kept-alive
 * connection (a proxy's pooled one) while draining, and the process need not wait out its
 * keep-alive timeout. Node's own channels say when a request starts and an answer is out; they
 * are listened to only while draining.
 */
export async function drain(server: Server, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const lastOnConnection = (message: unknown) => {
    const { server: from, response } = message as { server: Server; response: ServerResponse };
    if (from === server) response.shouldKeepAlive = false;
  };
  // Node decides the connection is idle after its finish listeners: look again just after.
  const closeOnceIdle = (message: unknown) => {
    if ((message as { server: Server }).server === server) setImmediate(() => server.closeIdleConnections());
  };
  subscribe('http.server.request.start', lastOnConnection);
  subscribe('http.server.response.finish', closeOnceIdle);
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  await closed;
  clearTimeout(timer);
  unsubscribe('http.server.request.start', lastOnConnection);
  unsubscribe('http.server.response.finish', closeOnceIdle);
}
