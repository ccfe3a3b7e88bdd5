import { describe, expect, it, jest } from '@jest/globals';
import { DEMO_CONFIDENTIAL } from '../helpers/oauth.js';
import { basicAuth } from '../helpers/requests.js';
import { useGatehouse } from '../helpers/use-gatehouse.js';

const { server } = useGatehouse();

/** A token request as a page on `origin` sends it (fetch from a browser). */
const tokenRequestFrom = (origin: string, body: Record<string, string>, headers: Record<string, string> = {}) => fetch(`${server.issuer}/oauth/token`, {
  method: 'POST',
  headers: { origin, 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body: new URLSearchParams(body),
});

describe('cross-origin calls from browser apps (CORS)', () => {
  const notices = jest.spyOn(console, 'info');

  it('a public client\'s page, on the origin its redirect URI names, may read the token endpoint\'s answer', async () => {
    // demo-public's redirect URI is http://127.0.0.1/callback (any port).
    const response = await tokenRequestFrom('http://127.0.0.1', { grant_type: 'refresh_token', refresh_token: 'not-a-token', client_id: 'demo-public' });
    expect(response.status).toBe(400);
    expect(response.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1');
  });

  it('another origin is refused, as is a confidential client\'s (a server, which needs no CORS) and the opaque origin "null"', async () => {
    const refused = async (response: Response) => ({
      status: response.status, error: ((await response.json()) as { error?: string }).error, cors: response.headers.get('access-control-allow-origin'),
    });
    for (const origin of ['https://evil.example', 'null']) {
      const response = await tokenRequestFrom(origin, { grant_type: 'refresh_token', refresh_token: 'not-a-token', client_id: 'demo-public' });
      expect([origin, await refused(response)]).toEqual([origin, { status: 400, error: 'invalid_request', cors: null }]);
    }
    const confidential = await tokenRequestFrom('http://localhost:8080', { grant_type: 'client_credentials', scope: 'api:read', resource: server.apiUrl }, {
      authorization: basicAuth(DEMO_CONFIDENTIAL.id, DEMO_CONFIDENTIAL.secret),
    });
    expect(await refused(confidential)).toEqual({ status: 400, error: 'invalid_request', cors: null });
  });

  it('prints nothing but log lines: no oidc-provider notice about its default CORS rule', () => {
    expect(notices.mock.calls.flat().filter((line) => String(line).includes('oidc-provider'))).toEqual([]);
  });
});
