import { beforeAll, describe, expect, it } from '@jest/globals';
import { connect, type Socket } from 'node:net';
import { buildDist } from '../helpers/build-dist.js';
import { portOpen } from '../helpers/free-port.js';
import { DEMO_CONFIDENTIAL } from '../helpers/oauth.js';
import { spawnGatehouse } from '../helpers/spawn-gatehouse.js';

beforeAll(() => buildDist(), 120_000);

const body = new URLSearchParams({ grant_type: 'client_credentials', scope: 'api:read' }).toString();
const basic = Buffer.from(`${DEMO_CONFIDENTIAL.id}:${DEMO_CONFIDENTIAL.secret}`).toString('base64');

/** Opens a token request and sends its headers and half its body: the server is now waiting on us. */
async function startSlowTokenRequest(port: number, connection: 'close' | 'keep-alive' = 'close'): Promise<{ socket: Socket; received: () => string; response: Promise<string> }> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let received = '';
  socket.on('data', (chunk) => (received += chunk));
  const response = new Promise<string>((resolve) => socket.once('close', () => resolve(received)));
  socket.write([
    'POST /oauth/token HTTP/1.1', `Host: localhost:${port}`, `Authorization: Basic ${basic}`,
    'Content-Type: application/x-www-form-urlencoded', `Content-Length: ${body.length}`, `Connection: ${connection}`, '', body.slice(0, 10),
  ].join('\r\n'));
  await new Promise((resolve) => setTimeout(resolve, 200));
  return { socket, received: () => received, response };
}

/** A whole token request, for a connection kept alive. */
const tokenRequest = (port: number) => [
  'POST /oauth/token HTTP/1.1', `Host: localhost:${port}`, `Authorization: Basic ${basic}`,
  'Content-Type: application/x-www-form-urlencoded', `Content-Length: ${body.length}`, '', body,
].join('\r\n');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('graceful shutdown of the real process (node dist/main.js)', () => {
  it('on SIGTERM stops accepting, finishes the in-flight request with a real token, then exits 0', async () => {
    const server = await spawnGatehouse();
    try {
      const slow = await startSlowTokenRequest(server.port);
      server.child.kill('SIGTERM');
      await sleep(300);
      expect(server.child.exitCode).toBeNull();
      expect(await portOpen(server.port)).toBe(false);

      slow.socket.write(body.slice(10));
      const response = await slow.response;
      expect(response).toMatch(/^HTTP\/1\.1 200 OK/);
      expect(response).toMatch(/"access_token":"[^"]+"/);
      expect(await server.exited).toEqual({ code: 0, signal: null });
      expect(server.output()).toContain('"msg":"shutting down"');
    } finally {
      await server.cleanup();
    }
  });

  it('cuts a request that never finishes once SHUTDOWN_GRACE_MS has passed, and still exits 0', async () => {
    const server = await spawnGatehouse({ env: { SHUTDOWN_GRACE_MS: '500' } });
    try {
      const stuck = await startSlowTokenRequest(server.port);
      const sentAt = Date.now();
      server.child.kill('SIGTERM');
      expect(await server.exited).toEqual({ code: 0, signal: null });
      const took = Date.now() - sentAt;
      expect(took).toBeGreaterThanOrEqual(450);
      expect(took).toBeLessThan(5000);
      expect(await stuck.response).toBe('');
    } finally {
      await server.cleanup();
    }
  });

  it('closes a kept-alive connection once its request in flight is answered: nothing new is served on it', async () => {
    const server = await spawnGatehouse();
    try {
      const slow = await startSlowTokenRequest(server.port, 'keep-alive');
      server.child.kill('SIGTERM');
      await sleep(300);
      slow.socket.write(body.slice(10));
      while (!/"access_token":"[^"]+"[^}]*}$/.test(slow.received())) await sleep(10);
      const first = slow.received();
      expect(first).toMatch(/^HTTP\/1\.1 200 OK/);
      // A client (a proxy's pool) sends its next request on the connection it was told to keep.
      slow.socket.write(tokenRequest(server.port));
      await slow.response;
      const afterwards = slow.received().slice(first.length);
      // Closed without serving it, or (had it come in first) served with Connection: close.
      expect(afterwards).not.toMatch(/keep-alive/i);
      expect(await server.exited).toEqual({ code: 0, signal: null });
    } finally {
      await server.cleanup();
    }
  });

  it('SIGINT (Ctrl-C) drains the same way', async () => {
    const server = await spawnGatehouse();
    try {
      server.child.kill('SIGINT');
      expect(await server.exited).toEqual({ code: 0, signal: null });
    } finally {
      await server.cleanup();
    }
  });
});

describe('npm start', () => {
  it('exits 0 on SIGTERM sent to npm', async () => {
    const server = await spawnGatehouse({ command: 'npm start' });
    try {
      server.child.kill('SIGTERM');
      expect(await server.exited).toEqual({ code: 0, signal: null });
    } finally {
      await server.cleanup();
    }
  });

  it('exits 0 when the whole process group gets SIGTERM (npm forwards a second one to the server)', async () => {
    const server = await spawnGatehouse({ command: 'npm start', detached: true });
    try {
      process.kill(-server.child.pid!, 'SIGTERM');
      expect(await server.exited).toEqual({ code: 0, signal: null });
    } finally {
      await server.cleanup();
    }
  });
});
