import { once } from 'node:events';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A load balancer for tests: one public address (the issuer) in front of several instances,
 * sending every request to whichever instance `target` names right now.
 */
export interface SwitchProxy {
  readonly url: string;
  target: string;
  close(): Promise<void>;
}

export async function startSwitchProxy(port: number, initialTarget: string): Promise<SwitchProxy> {
  const proxy: { target: string } = { target: initialTarget };
  const server = createServer((req, res) => {
    const upstream = new URL(proxy.target);
    const forwarded = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forwarded.on('error', () => {
      res.writeHead(502).end();
    });
    req.pipe(forwarded);
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://localhost:${(server.address() as AddressInfo).port}`,
    get target() { return proxy.target; },
    set target(value: string) { proxy.target = value; },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
