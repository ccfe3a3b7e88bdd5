import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { freePort } from './free-port.js';
import { waitFor } from './redis-server.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

/** The protected API on its own (src/api-main.ts, compose's `api` service) as a child process. */
export interface StandaloneApi {
  /** Where it listens, e.g. http://127.0.0.1:4321. */
  readonly url: string;
  readonly output: () => string;
  /** SIGTERM, and its exit once it has drained. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts src/api-main.ts on a free loopback port with `env` (API_AUDIENCE, API_JWKS_URI, ISSUER
 * and the like come from the caller), and waits until it answers /healthz.
 */
export async function startStandaloneApi(env: Record<string, string>): Promise<StandaloneApi> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--experimental-transform-types', '--no-warnings', '--import', './test/helpers/resolve-ts-hook.mjs', 'src/api-main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, LOG_LEVEL: 'info', API_HOST: '127.0.0.1', API_PORT: String(port), METRICS_ENABLED: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error('the API exited');
      return (await fetch(`${url}/healthz`).catch(() => undefined))?.ok ?? false;
    }, 20_000, `the API on ${port} to answer /healthz`);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${output}`);
  }
  return { url, output: () => output, stop };
}

/**
 * A stand-in authorization server for an API on its own: it serves a JWKS over HTTP and signs
 * at+jwt access tokens with that key, bound (cnf.jkt) to a client's DPoP key.
 */
export interface TestIssuer {
  readonly issuer: string;
  readonly jwksUri: string;
  /** An access token for `audience`, DPoP-bound to `dpopKey`. */
  dpopToken(audience: string, dpopKey: KeyPair): Promise<string>;
  close(): Promise<void>;
}

export async function startTestIssuer(): Promise<TestIssuer> {
  const pair = await generateKeyPair('ES256');
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] });
  const server: Server = createServer((_, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    jwksUri: `${issuer}/oauth/jwks`,
    async dpopToken(audience, dpopKey) {
      const jkt = await calculateJwkThumbprint(await exportJWK(dpopKey.publicKey), 'sha256');
      return new SignJWT({ iss: issuer, aud: audience, sub: 'user-1', client_id: 'c1', scope: 'api:read', jti: crypto.randomUUID(), cnf: { jkt } })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(pair.privateKey);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A DPoP proof (RFC 9449) for GET `htu` with `accessToken`, signed by `dpopKey`. */
export async function dpopProof(dpopKey: KeyPair, htu: string, accessToken: string): Promise<string> {
  return new SignJWT({ htm: 'GET', htu, jti: crypto.randomUUID(), ath: createHash('sha256').update(accessToken).digest('base64url') })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(dpopKey.publicKey) })
    .setIssuedAt()
    .sign(dpopKey.privateKey);
}
