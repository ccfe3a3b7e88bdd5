import { createHash, randomBytes } from 'node:crypto';

/** The endpoints a scenario needs, read from the server's discovery document. */
export interface Endpoints {
  issuer: string;
  authorization: string;
  token: string;
  introspection: string | undefined;
}

export interface BenchClient {
  id: string;
  secret: string;
  redirectUri: string;
}

export async function discover(issuer: string): Promise<Endpoints> {
  const response = await fetch(`${issuer}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`discovery at ${issuer} answered ${response.status}`);
  const metadata = (await response.json()) as Record<string, string>;
  return {
    issuer,
    authorization: metadata['authorization_endpoint']!,
    token: metadata['token_endpoint']!,
    introspection: metadata['introspection_endpoint'],
  };
}

export const basicAuth = (client: BenchClient) => `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}`;

const FORM = 'application/x-www-form-urlencoded';

/** POST to the token endpoint with client_secret_basic; throws unless 200. */
export async function tokenRequest(endpoints: Endpoints, client: BenchClient, params: Record<string, string>): Promise<Record<string, string>> {
  const response = await fetch(endpoints.token, {
    method: 'POST',
    headers: { authorization: basicAuth(client), 'content-type': FORM },
    body: new URLSearchParams(params),
  });
  const body = (await response.json()) as Record<string, string>;
  if (response.status !== 200) throw new Error(`token endpoint answered ${response.status}: ${JSON.stringify(body)}`);
  return body;
}

/**
 * One authorization-code + PKCE flow as a browser and a client would run it, in a fresh cookie
 * jar: authorize -> login page -> login POST -> consent page -> consent POST -> redirect to the
 * client -> token request. Works with our pages and with oidc-provider's development pages
 * (it fills whichever form the page has).
 */
export async function authorizationCodeFlow(
  endpoints: Endpoints,
  client: BenchClient,
  user: { username: string; password: string },
  request: { scope: string; resource?: string },
): Promise<Record<string, string>> {
  const jar = new Map<string, string>();
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const url = new URL(endpoints.authorization);
  url.search = new URLSearchParams({
    client_id: client.id,
    redirect_uri: client.redirectUri,
    response_type: 'code',
    scope: request.scope,
    state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    // oidc-provider grants offline_access only with an explicit consent prompt (OIDC Core §11).
    prompt: 'consent',
    ...(request.resource ? { resource: request.resource } : {}),
  }).toString();

  let next: { url: URL; init: RequestInit } = { url, init: { method: 'GET' } };
  for (let step = 0; step < 12; step++) {
    const response = await send(jar, next.url, next.init);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.arrayBuffer();
      const target = new URL(location, next.url);
      if (target.href.startsWith(client.redirectUri)) {
        const code = target.searchParams.get('code');
        if (!code || target.searchParams.get('state') !== state) throw new Error(`callback without a code: ${target.search.slice(0, 200)}`);
        return tokenRequest(endpoints, client, { grant_type: 'authorization_code', code, redirect_uri: client.redirectUri, code_verifier: verifier });
      }
      next = { url: target, init: { method: 'GET' } };
      continue;
    }
    const html = await response.text();
    if (response.status !== 200) throw new Error(`step ${step} answered ${response.status}: ${html.slice(0, 300)}`);
    const form = pickForm(html);
    const fields = new URLSearchParams(form.hidden);
    if (form.hasPassword) {
      fields.set('username', user.username);
      fields.set('login', user.username);
      fields.set('password', user.password);
    } else {
      fields.set('decision', 'allow');
    }
    next = { url: new URL(form.action, next.url), init: { method: 'POST', body: fields.toString(), headers: { 'content-type': FORM } } };
  }
  throw new Error('the flow did not reach the client within 12 steps');
}

async function send(jar: Map<string, string>, url: URL, init: RequestInit): Promise<Response> {
  const headers = new Headers(init.headers);
  if (jar.size) headers.set('cookie', [...jar].map(([name, value]) => `${name}=${value}`).join('; '));
  const response = await fetch(url, { ...init, headers, redirect: 'manual' });
  for (const cookie of response.headers.getSetCookie()) {
    const pair = cookie.slice(0, cookie.indexOf(';') === -1 ? undefined : cookie.indexOf(';'));
    const index = pair.indexOf('=');
    const name = pair.slice(0, index).trim();
    const value = pair.slice(index + 1).trim();
    if (value === '' || /expires=Thu, 01 Jan 1970/i.test(cookie)) jar.delete(name);
    else jar.set(name, value);
  }
  return response;
}

function pickForm(html: string): { action: string; hidden: Record<string, string>; hasPassword: boolean } {
  for (const [, attributes, inner] of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    if (!/method="post"/i.test(attributes!)) continue;
    const action = decode(/action="([^"]*)"/.exec(attributes!)?.[1] ?? '');
    if (action.includes('abort')) continue;
    const hidden: Record<string, string> = {};
    for (const [input] of inner!.matchAll(/<input\b[^>]*type="hidden"[^>]*>/g)) {
      const name = /name="([^"]*)"/.exec(input)?.[1];
      if (name) hidden[name] = decode(/value="([^"]*)"/.exec(input)?.[1] ?? '');
    }
    return { action, hidden, hasPassword: /type="password"/.test(inner!) };
  }
  throw new Error(`no form on the page: ${html.slice(0, 300)}`);
}

function decode(value: string): string {
  return value.replace(/&amp;/g, '&').replace(/&#34;|&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}
