import { createServer, type RequestListener, type Server } from 'node:http';
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
