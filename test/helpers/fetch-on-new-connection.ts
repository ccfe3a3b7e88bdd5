import { request } from 'node:http';

/**
 * fetch, but every call opens its own TCP connection and closes it after the answer. Behind
 * node:cluster the primary hands each new connection to the next worker in turn, so
 * consecutive calls land on different workers (fetch would reuse one kept-alive connection).
 * `extraHeaders` is called once per request (e.g. a fresh X-Request-Id to find it in the logs).
 * Plain http, string or form bodies: what our pages and the token endpoint need.
 */
export function fetchOnNewConnection(extraHeaders: () => Record<string, string> = () => ({})): typeof fetch {
  return async (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = new Headers(init.headers);
    for (const [name, value] of Object.entries(extraHeaders())) headers.set(name, value);
    const body = init.body === undefined || init.body === null ? undefined : String(init.body);
    if (body !== undefined && init.body instanceof URLSearchParams && !headers.has('content-type')) {
      headers.set('content-type', 'application/x-www-form-urlencoded');
    }
    return new Promise<Response>((resolve, reject) => {
      const outgoing = request(url, {
        method: init.method ?? 'GET',
        headers: { ...Object.fromEntries(headers), connection: 'close' },
        agent: false,
        // The test servers listen on 127.0.0.1; "localhost" may resolve to ::1 first.
        family: 4,
      }, (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', reject);
        incoming.on('end', () => {
          const answer = new Headers();
          for (let i = 0; i < incoming.rawHeaders.length; i += 2) answer.append(incoming.rawHeaders[i]!, incoming.rawHeaders[i + 1]!);
          const status = incoming.statusCode ?? 500;
          resolve(new Response(status === 204 || status === 304 ? null : Buffer.concat(chunks), { status, headers: answer }));
        });
      });
      outgoing.on('error', reject);
      // A connection handed to a worker that is dying may never be answered: fail, do not hang.
      outgoing.setTimeout(5000, () => outgoing.destroy(new Error(`no answer from ${url.href} within 5 s`)));
      outgoing.end(body);
    });
  };
}
