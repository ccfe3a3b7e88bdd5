import { beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO_CONFIDENTIAL, DEMO_PUBLIC } from '../helpers/oauth.js';
import { authorizationUrl, pkcePair } from '../helpers/requests.js';
import { useGatehouse } from '../helpers/use-gatehouse.js';

const { server } = useGatehouse();
let challenge: string;

beforeAll(async () => {
  challenge = (await pkcePair()).challenge;
});

const get = (url: URL) => fetch(url, { redirect: 'manual', headers: { accept: 'text/html' } });

/** The error redirect's parameters, wherever the response mode put them (query or fragment). */
function redirectParams(response: Response): URLSearchParams {
  expect(response.status).toBe(303);
  const location = new URL(response.headers.get('location')!);
  expect(location.origin + location.pathname).toBe(DEMO_CONFIDENTIAL.redirectUri);
  return new URLSearchParams(location.hash ? location.hash.slice(1) : location.search);
}

async function expectErrorPage(response: Response, text: RegExp) {
  expect(response.status).toBe(400);
  expect(response.headers.get('location')).toBeNull();
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  expect(await response.text()).toMatch(text);
}

describe('authorization endpoint: redirect_uri (RFC 9700 §4.1.3, §2.1)', () => {
  it('a redirect_uri that differs from the registered one by a path suffix gets an error page, never a redirect', async () => {
    const response = await get(authorizationUrl(server.issuer, { redirect_uri: `${DEMO_CONFIDENTIAL.redirectUri}/evil`, code_challenge: challenge, code_challenge_method: 'S256' }));
    await expectErrorPage(response, /redirect_uri did not match/);
  });

  it('a web client may not vary the port of a registered loopback redirect_uri', async () => {
    const response = await get(authorizationUrl(server.issuer, { redirect_uri: 'http://localhost:9999/callback', code_challenge: challenge, code_challenge_method: 'S256' }));
    await expectErrorPage(response, /redirect_uri did not match/);
  });

  it('a native client may use any port on its registered loopback IP literal, but not another host name', async () => {
    const anyPort = await get(authorizationUrl(server.issuer, {
      client_id: DEMO_PUBLIC.id, redirect_uri: 'http://127.0.0.1:5555/callback', code_challenge: challenge, code_challenge_method: 'S256',
    }));
    expect(anyPort.status).toBe(303);
    expect(anyPort.headers.get('location')).toMatch(/^\/interaction\//);

    const otherHost = await get(authorizationUrl(server.issuer, {
      client_id: DEMO_PUBLIC.id, redirect_uri: 'http://localhost:5555/callback', code_challenge: challenge, code_challenge_method: 'S256',
    }));
    await expectErrorPage(otherHost, /redirect_uri did not match/);
  });

  it('errors found before redirect_uri is validated never redirect: unknown client, missing or repeated redirect_uri', async () => {
    await expectErrorPage(await get(authorizationUrl(server.issuer, { client_id: 'no-such-client' })), /client is invalid/);
    await expectErrorPage(await get(authorizationUrl(server.issuer, { redirect_uri: undefined })), /missing required parameter/);
    await expectErrorPage(
      await get(authorizationUrl(server.issuer, { redirect_uri: [DEMO_CONFIDENTIAL.redirectUri, DEMO_CONFIDENTIAL.redirectUri] })),
      /must not be provided twice/,
    );
  });

  it('a mismatched redirect_uri wins over any other error: still a page, even for response_type=token', async () => {
    const response = await get(authorizationUrl(server.issuer, { redirect_uri: 'https://attacker.example/cb', response_type: 'token' }));
    await expectErrorPage(response, /redirect_uri did not match/);
  });
});

describe('authorization endpoint: PKCE and response types (RFC 9700 §2.1.1, OAuth 2.1 §4.1)', () => {
  it('a request without a code_challenge is refused (error redirect with state and iss)', async () => {
    const params = redirectParams(await get(authorizationUrl(server.issuer, {})));
    expect(params.get('error')).toBe('invalid_request');
    expect(params.get('error_description')).toMatch(/PKCE/);
    expect(params.get('state')).toBe('state-123');
    expect(params.get('iss')).toBe(server.issuer);
  });

  it('code_challenge_method=plain is refused', async () => {
    const params = redirectParams(await get(authorizationUrl(server.issuer, { code_challenge: challenge, code_challenge_method: 'plain' })));
    expect(params.get('error')).toBe('invalid_request');
    expect(params.get('error_description')).toMatch(/code_challenge_method/);
  });

  it.each(['token', 'id_token', 'code id_token', 'code token', 'none'])('response_type=%s is refused with unsupported_response_type', async (responseType) => {
    const params = redirectParams(await get(authorizationUrl(server.issuer, {
      response_type: responseType, nonce: 'n-1', code_challenge: challenge, code_challenge_method: 'S256',
    })));
    expect(params.get('error')).toBe('unsupported_response_type');
    expect(params.get('state')).toBe('state-123');
    expect(params.get('iss')).toBe(server.issuer);
  });

  it('discovery advertises only response_type=code, S256 and no implicit or password grants', async () => {
    const metadata = await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json() as Record<string, string[]>;
    expect(metadata['response_types_supported']).toEqual(['code']);
    expect(metadata['code_challenge_methods_supported']).toEqual(['S256']);
    expect(metadata['grant_types_supported']).not.toContain('implicit');
    expect(metadata['grant_types_supported']).not.toContain('password');
    expect(metadata['authorization_response_iss_parameter_supported']).toBe(true);
  });
});

describe('authorization endpoint: parameters and prompt=none', () => {
  it.each(['scope', 'response_type', 'code_challenge', 'prompt'])('a %s parameter given twice is rejected with invalid_request', async (name) => {
    const value = { scope: 'openid', response_type: 'code', code_challenge: challenge, prompt: 'login' }[name]!;
    const params = redirectParams(await get(authorizationUrl(server.issuer, {
      code_challenge: challenge, code_challenge_method: 'S256', [name]: [value, value],
    })));
    expect(params.get('error')).toBe('invalid_request');
    expect(params.get('error_description')).toMatch(/must not be provided twice/);
    expect(params.get('iss')).toBe(server.issuer);
  });

  it('a state given twice is rejected too (and, being ambiguous, not echoed)', async () => {
    const params = redirectParams(await get(authorizationUrl(server.issuer, {
      code_challenge: challenge, code_challenge_method: 'S256', state: ['one', 'two'],
    })));
    expect(params.get('error')).toBe('invalid_request');
    expect(params.get('state')).toBeNull();
  });

  it('prompt=none without a session gives login_required with state and iss intact', async () => {
    const params = redirectParams(await get(authorizationUrl(server.issuer, {
      prompt: 'none', code_challenge: challenge, code_challenge_method: 'S256', state: 'keep-me',
    })));
    expect(params.get('error')).toBe('login_required');
    expect(params.get('state')).toBe('keep-me');
    expect(params.get('iss')).toBe(server.issuer);
  });
});
