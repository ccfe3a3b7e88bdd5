import { request as httpRequest } from 'node:http';
import * as client from 'openid-client';
import { DEMO_CONFIDENTIAL } from './oauth.js';

/** A valid PKCE pair (RFC 7636) for raw authorization requests. */
export async function pkcePair(): Promise<{ verifier: string; challenge: string }> {
  const verifier = client.randomPKCECodeVerifier();
  return { verifier, challenge: await client.calculatePKCECodeChallenge(verifier) };
}

/**
 * An authorization request URL for the demo confidential client; `params` override or add to the
 * defaults, and an array value repeats the parameter.
 */
export function authorizationUrl(issuer: string, params: Record<string, string | string[] | undefined>): URL {
  const defaults: Record<string, string> = {
    client_id: DEMO_CONFIDENTIAL.id,
    redirect_uri: DEMO_CONFIDENTIAL.redirectUri,
    response_type: 'code',
    scope: 'openid',
    state: 'state-123',
  };
  const url = new URL(`${issuer}/oauth/authorize`);
  for (const [name, value] of Object.entries({ ...defaults, ...params })) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) url.searchParams.append(name, one);
  }
  return url;
}

/** HTTP Basic credentials as RFC 6749 §2.3.1 spells them (form-urlencoded, then base64). */
export function basicAuth(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

/** POSTs a form to one of the issuer's endpoints, without following redirects. */
export function postForm(url: string | URL, body: string | URLSearchParams | Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  const encoded = typeof body === 'string' || body instanceof URLSearchParams ? body : new URLSearchParams(body);
  return fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: encoded,
  });
}

/** Whatever a response says, it must not look like a stack trace or leak internals. */
export function looksLikeStackTrace(body: string): boolean {
  return /\n\s+at [^\n]+\(|node_modules|\bat async\b|TypeError|ReferenceError|SyntaxError: /.test(body);
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * A request through node:http, which (unlike fetch) sends any Host header and any bytes in the
 * path: for forged headers and malformed requests. Times out rather than hanging a test.
 */
export function rawRequest(url: string | URL, init: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer; timeoutMs?: number } = {}): Promise<RawResponse> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const request = httpRequest({
      host: target.hostname,
      port: target.port,
      method: init.method ?? 'GET',
      path: init.path ?? `${target.pathname}${target.search}`,
      // Node's client neither chunks nor counts a body for GET/DELETE/OPTIONS by itself: say its length.
      headers: init.body !== undefined ? { 'content-length': String(Buffer.byteLength(init.body)), ...init.headers } : init.headers,
      // The path is sent as given (no escaping), so malformed ones reach the server.
      insecureHTTPParser: true,
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.setTimeout(init.timeoutMs ?? 10_000, () => request.destroy(new Error(`no answer within ${init.timeoutMs ?? 10_000} ms`)));
    request.on('error', reject);
    request.end(init.body);
  });
}
