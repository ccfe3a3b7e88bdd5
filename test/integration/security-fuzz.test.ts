import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Browser, findForm } from '../helpers/browser.js';
import { DEMO_CONFIDENTIAL, DEMO_PUBLIC, discoverClient, signIn } from '../helpers/oauth.js';
import { authorizationUrl, basicAuth, looksLikeStackTrace, pkcePair, postForm, rawRequest } from '../helpers/requests.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/start-gatehouse.js';

/**
 * Bounded fuzzing of every endpoint a stranger can reach. Bounded by count, not by clock:
 * FUZZ_COUNT requests (default 3000) generated from FUZZ_SEED, so a failure names the seed and
 * the request, and `FUZZ_SEED=<seed> npm test -- test/integration/security-fuzz.test.ts` replays it.
 */
const SEED = Number(process.env['FUZZ_SEED'] ?? 20_260_601);
const COUNT = Number(process.env['FUZZ_COUNT'] ?? 3000);
const CONCURRENCY = 8;
const REQUEST_TIMEOUT_MS = 10_000;

/** mulberry32: tiny, fast, good enough to pick test inputs reproducibly. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const chance = (p: number) => next() < p;
  return { next, int, pick, chance };
}
type Random = ReturnType<typeof prng>;

const NASTY = ['', ' ', '\u0000', '\u0001\u001f', '%00', '%', '%Z', '%E0%A4', '%C3%28', '%FF%FE', '../../etc/passwd', '<script>alert(1)</script>',
  '" onmouseover="x', "' OR 1=1 --", '{{7*7}}', '${jndi:x}', '\u202e', '\ud800', '😀', 'ä'.repeat(3), 'null', 'undefined', '[]', '{}', '-1', '0',
  '9'.repeat(30), 'https://evil.example/cb', 'javascript:alert(1)', 'data:text/html,x', '\r\nSet-Cookie: x=y', 'a'.repeat(300)];

function value(r: Random): string {
  switch (r.int(6)) {
    case 0: return r.pick(NASTY);
    case 1: return Array.from({ length: r.int(40) }, () => String.fromCharCode(r.int(0x250))).join('');
    case 2: return 'x'.repeat(r.pick([1000, 5000, 60_000]));
    case 3: return r.pick(['openid', 'code', 'S256', 'plain', 'none', 'client_credentials', 'authorization_code', 'refresh_token', 'allow', 'deny', 'demo', DEMO_CONFIDENTIAL.id, DEMO_PUBLIC.id, DEMO_CONFIDENTIAL.redirectUri]);
    case 4: return String(r.int(1e9));
    default: return Array.from({ length: 1 + r.int(50) }, () => String.fromCharCode(33 + r.int(94))).join('');
  }
}

/** Percent-encodes the UTF-8 bytes (a lone surrogate becomes U+FFFD instead of throwing). */
function enc(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((byte) => (/[A-Za-z0-9._~-]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

/** Form-encoded parameters: known names and random ones, sometimes repeated, sometimes with raw broken escapes. */
function params(r: Random, names: readonly string[]): string {
  const parts: string[] = [];
  for (let i = 0, n = r.int(8); i < n; i++) {
    const name = r.chance(0.8) ? r.pick(names) : value(r);
    const raw = r.chance(0.15) ? r.pick(['%', '%ZZ', '%E0%A4%A', '%00', '+%2B+']) : enc(value(r));
    parts.push(`${enc(name)}=${raw}`);
    if (r.chance(0.1)) parts.push(parts[parts.length - 1]!);
  }
  return parts.join(r.chance(0.05) ? ';' : '&');
}

function jsonBody(r: Random, names: readonly string[]): string {
  if (r.chance(0.15)) return r.pick(['{', '[1,2', '"x"', 'null', '1e999', '{"a":' + '['.repeat(5000), '\u0000']);
  const object: Record<string, unknown> = {};
  for (let i = 0, n = r.int(8); i < n; i++) {
    const name = r.pick(names);
    object[name] = r.pick([value(r), [value(r), value(r)], r.int(10), r.chance(0.5), null, { nested: value(r) }]);
  }
  return JSON.stringify(object);
}

const AUTHORIZE_PARAMS = ['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'prompt', 'response_mode', 'resource', 'login_hint', 'max_age', 'claims', 'request', 'request_uri', 'ui_locales', 'acr_values', 'id_token_hint'];
const TOKEN_PARAMS = ['grant_type', 'code', 'redirect_uri', 'code_verifier', 'refresh_token', 'scope', 'resource', 'client_id', 'client_secret', 'client_assertion', 'client_assertion_type', 'token', 'token_type_hint'];
const CLIENT_METADATA = ['redirect_uris', 'client_name', 'grant_types', 'response_types', 'token_endpoint_auth_method', 'scope', 'jwks_uri', 'jwks', 'logo_uri', 'client_uri', 'policy_uri', 'post_logout_redirect_uris', 'application_type', 'first_party', 'resource_server', 'sector_identifier_uri', 'subject_type', 'id_token_signed_response_alg'];
const FORM_FIELDS = ['csrf', 'username', 'password', 'decision'];
const DEVICE_FIELDS = ['xsrf', 'user_code', 'confirm', 'abort'];
const MESSAGE_FIELDS = ['text', '__proto__', 'constructor'];

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Sent to the protected API instead of the authorization server. */
  api?: boolean;
}

interface LiveInteraction {
  path: string;
  cookie: string;
  csrf: string;
}

function authHeader(r: Random): Record<string, string> {
  switch (r.int(6)) {
    case 0: return { authorization: basicAuth(DEMO_CONFIDENTIAL.id, DEMO_CONFIDENTIAL.secret) };
    case 1: return { authorization: `Basic ${Buffer.from(`${value(r)}:${value(r)}`).toString('base64')}` };
    case 2: return { authorization: `Basic ${value(r).replace(/[^\x21-\x7e]/g, '')}` };
    case 3: return { authorization: `Bearer ${value(r).replace(/[^\x21-\x7e]/g, '')}` };
    case 4: return { authorization: r.pick(['Basic', 'Bearer', 'DPoP x', 'basic Og==', 'Basic ' + 'A'.repeat(8000)]) };
    default: return {};
  }
}

function contentType(r: Random, preferred: string): Record<string, string> {
  // Sometimes a Content-Encoding the body does not have, or one nobody reads.
  const encoding: Record<string, string> = r.chance(0.05) ? { 'content-encoding': r.pick(['gzip', 'deflate', 'br', 'zstd', 'identity', 'x']) } : {};
  if (r.chance(0.7)) return { 'content-type': preferred, ...encoding };
  return { ...encoding, 'content-type': r.pick(['application/json', 'application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded; charset=utf-16', 'application/x-www-form-urlencoded; charset=nope', 'application/jwt', '*/*', ';;;']) };
}

function generate(r: Random, live: { logins: LiveInteraction[]; consents: LiveInteraction[]; apiToken: string }): FuzzRequest {
  const accept: Record<string, string> = r.chance(0.5) ? { accept: 'text/html' } : {};
  const target = r.int(10);
  if (target === 9) {
    // The protected API, mostly with a good token (so that bodies and scopes are reached).
    const auth = r.chance(0.6) ? { authorization: `${r.pick(['Bearer', 'bearer', 'DPoP'])} ${live.apiToken}` } : authHeader(r);
    const dpop: Record<string, string> = r.chance(0.15) ? { dpop: r.pick(['x', 'a.b.c', value(r).replace(/[^\x21-\x7e]/g, '')]) } : {};
    if (r.chance(0.4)) {
      return { api: true, method: r.pick(['GET', 'GET', 'HEAD', 'OPTIONS', 'DELETE']), path: r.pick(['/protected', '/', '/protected/messages', `/protected/${enc(value(r))}`]), headers: { ...accept, ...auth, ...dpop } };
    }
    return { api: true, method: 'POST', path: '/protected/messages', headers: { ...accept, ...auth, ...dpop, ...contentType(r, 'application/json') }, body: jsonBody(r, MESSAGE_FIELDS) };
  }
  if (target === 8) {
    // The device code entry page, posted as a browser would, mostly without its session.
    return { method: r.pick(['POST', 'POST', 'GET']), path: '/oauth/device', headers: { ...accept, ...(r.chance(0.3) ? { cookie: `_session=${enc(value(r))}` } : {}), ...contentType(r, 'application/x-www-form-urlencoded') }, body: params(r, DEVICE_FIELDS) };
  }
  if (target === 0) {
    return { method: r.pick(['GET', 'GET', 'GET', 'POST', 'HEAD', 'OPTIONS']), path: `/oauth/authorize?${params(r, AUTHORIZE_PARAMS)}`, headers: { ...accept } };
  }
  if (target >= 1 && target <= 3) {
    const path = ['/oauth/token', '/oauth/introspect', '/oauth/revoke'][target - 1]!;
    const json = r.chance(0.1);
    return { method: r.pick(['POST', 'POST', 'POST', 'GET', 'PUT']), path, headers: { ...authHeader(r), ...contentType(r, 'application/x-www-form-urlencoded') }, body: json ? jsonBody(r, TOKEN_PARAMS) : params(r, TOKEN_PARAMS) };
  }
  if (target === 4) {
    return { method: r.pick(['POST', 'POST', 'GET', 'PUT', 'DELETE']), path: r.chance(0.8) ? '/oauth/register' : `/oauth/register/${enc(value(r))}`, headers: { ...authHeader(r), ...contentType(r, 'application/json') }, body: r.chance(0.9) ? jsonBody(r, CLIENT_METADATA) : params(r, CLIENT_METADATA) };
  }
  if (target === 5) {
    const method = r.pick(['GET', 'POST']);
    return { method, path: `/oauth/userinfo${r.chance(0.3) ? `?${params(r, ['access_token', 'scope'])}` : ''}`, headers: { ...authHeader(r), ...(method === 'POST' ? contentType(r, 'application/x-www-form-urlencoded') : {}) }, ...(method === 'POST' ? { body: params(r, ['access_token']) } : {}) };
  }
  // Our forms, on live interactions: with their cookie, mostly with the right CSRF token.
  const pool = target === 6 ? live.logins : live.consents;
  const interaction = r.pick(pool);
  const fields = params(r, FORM_FIELDS);
  const body = r.chance(0.7) ? `csrf=${encodeURIComponent(interaction.csrf)}&${fields}` : fields;
  return {
    method: r.chance(0.9) ? 'POST' : 'GET',
    path: r.chance(0.9) ? interaction.path : `${interaction.path}/${enc(value(r))}`,
    headers: { ...accept, cookie: r.chance(0.9) ? interaction.cookie : `_interaction=${enc(value(r))}`, ...contentType(r, 'application/x-www-form-urlencoded'), ...(r.chance(0.1) ? { 'sec-fetch-site': r.pick(['cross-site', 'same-site', 'same-origin', 'none', 'bogus']) } : {}) },
    body,
  };
}

function headerBytes(request: FuzzRequest): number {
  return request.path.length + Object.entries(request.headers).reduce((sum, [name, value]) => sum + name.length + value.length + 4, 0);
}

let server: TestGatehouse;
const live = { logins: [] as LiveInteraction[], consents: [] as LiveInteraction[], apiToken: '' };

beforeAll(async () => {
  // No throttle in the way: the point is to reach the password check with fuzzed input too.
  server = await startTestGatehouse({ LOGIN_MAX_FAILURES_PER_ADDRESS: '1000000', LOGIN_MAX_FAILURES_PER_ACCOUNT: '10000', LOG_LEVEL: 'info' });
  const tokenResponse = await postForm(`${server.issuer}/oauth/token`, { grant_type: 'client_credentials', scope: 'api:read api:write', resource: server.apiUrl }, {
    authorization: basicAuth(DEMO_CONFIDENTIAL.id, DEMO_CONFIDENTIAL.secret),
  });
  live.apiToken = ((await tokenResponse.json()) as { access_token: string }).access_token;
  for (let i = 0; i < 6; i++) {
    const browser = new Browser();
    const page = await browser.open(authorizationUrl(server.issuer, { scope: 'openid email', code_challenge: (await pkcePair()).challenge, code_challenge_method: 'S256' }));
    const form = findForm(page.html, '/login');
    live.logins.push({ path: new URL(form.action, page.url).pathname, cookie: browser.cookieHeader(page.url), csrf: form.hidden['csrf']! });
    if (i % 2 === 0) {
      const consent = await browser.submit(page, '/login', { username: 'demo', password: 'demo' });
      const consentForm = findForm(consent.html, '/consent');
      live.consents.push({ path: new URL(consentForm.action, consent.url).pathname, cookie: browser.cookieHeader(consent.url), csrf: consentForm.hidden['csrf']! });
    }
  }
});
afterAll(() => server.close());

describe(`fuzzing (seed ${SEED}, ${COUNT} requests)`, () => {
  it('no 5xx, no stack trace, no hang at authorize, token, introspect, revoke, register, userinfo, device code entry, our forms and the protected API; then a normal flow still works', async () => {
    const r = prng(SEED);
    // Generated up front, in order, so the same seed gives the same requests whatever the timing.
    const requests = Array.from({ length: COUNT }, () => generate(r, live));
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    const slowest: [number, number][] = [];
    let next = 0;
    const worker = async () => {
      while (next < requests.length && failures.length === 0) {
        const index = next++;
        const request = requests[index]!;
        const describe = () => `request #${index} (seed ${SEED}): ${JSON.stringify(request).slice(0, 600)}`;
        const started = performance.now();
        try {
          const response = await rawRequest(`${request.api ? server.apiUrl : server.issuer}${request.path}`, {
            method: request.method, path: request.path, headers: request.headers, timeoutMs: REQUEST_TIMEOUT_MS,
            ...(request.body !== undefined && request.method !== 'GET' && request.method !== 'HEAD' ? { body: request.body } : {}),
          });
          slowest.push([performance.now() - started, index]);
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          if (response.status >= 500) failures.push(`${response.status} for ${describe()}: ${response.body.slice(0, 300)}`);
          else if (looksLikeStackTrace(response.body)) failures.push(`stack trace for ${describe()}: ${response.body.slice(0, 300)}`);
        } catch (error) {
          const message = (error as Error).message;
          // The client refusing to send a header it considers invalid is not the server's doing.
          if (/Invalid character in header|ERR_INVALID_CHAR|ERR_UNESCAPED_CHARACTERS|Request path contains unescaped/.test(message)) continue;
          // Headers over Node's 16 KiB bound: it answers 431 and closes, often while we are still sending.
          if (/ECONNRESET|EPIPE/.test(message) && headerBytes(request) > 16 * 1024) {
            statuses.set(431, (statuses.get(431) ?? 0) + 1);
            continue;
          }
          failures.push(`${message} for ${describe()}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    // A failure says what the server saw (a 503 names the storage failure in a warning).
    if (failures.length > 0) process.stdout.write(`server warnings and errors:\n${server.logs.filter((line) => /"level":[456]0/.test(line)).slice(-10).join('\n')}\n`);
    expect(failures).toEqual([]);
    const answered = [...statuses.values()].reduce((sum, n) => sum + n, 0);
    expect(answered).toBeGreaterThan(COUNT * 0.95);
    // Many kinds of answer: the fuzzing reached past the first checks.
    expect(statuses.size).toBeGreaterThanOrEqual(6);
    expect(server.logs.filter((line) => /"level":50|server_error/.test(line))).toEqual([]);
    slowest.sort(([a], [b]) => b - a);
    process.stdout.write(`slowest: ${slowest.slice(0, 3).map(([ms, index]) => `#${index} ${Math.round(ms)} ms ${requests[index]!.method} ${requests[index]!.path.slice(0, 40)}`).join('; ')}\n`);
    process.stdout.write(`fuzz seed ${SEED}: ${answered} answers by status ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}\n`);

    const client = await discoverClient(server.issuer, DEMO_CONFIDENTIAL.id, DEMO_CONFIDENTIAL.secret);
    const { tokens } = await signIn(client, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid profile' });
    expect(tokens.claims()!.iss).toBe(server.issuer);
  }, 180_000);
});
