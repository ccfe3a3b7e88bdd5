import { expect } from '@jest/globals';
import { DEMO_CONFIDENTIAL } from './oauth.js';
import { basicAuth, looksLikeStackTrace, postForm } from './requests.js';

/** HTTP Basic credentials of the demo confidential client, as request headers. */
export const demoClientAuth = { authorization: basicAuth(DEMO_CONFIDENTIAL.id, DEMO_CONFIDENTIAL.secret) };

/**
 * Requests opaque client_credentials tokens (each one a stored record) for the demo
 * confidential client, 16 at a time, until the server refuses one. Returns the tokens it got
 * and the first refusal, body unread. Gives up after `limit` tokens.
 */
export async function issueTokensUntilRefused(issuer: string, limit = 20_000): Promise<{ issued: string[]; refused: Response }> {
  const issued: string[] = [];
  let refused: Response | undefined;
  while (!refused) {
    if (issued.length >= limit) throw new Error(`${limit} tokens issued and none refused`);
    const responses = await Promise.all(Array.from({ length: 16 }, () => postForm(`${issuer}/oauth/token`, { grant_type: 'client_credentials' }, demoClientAuth)));
    for (const response of responses) {
      if (response.status === 200) issued.push((await response.json() as { access_token: string }).access_token);
      else if (!refused) refused = response;
      else await response.body?.cancel();
    }
  }
  return { issued, refused };
}

/** The answer of a full store: 503 temporarily_unavailable with Retry-After, nothing internal. Returns the body. */
export async function expectTemporarilyUnavailable(response: Response): Promise<string> {
  const body = await response.text();
  expect({ status: response.status, json: JSON.parse(body), retryAfter: response.headers.get('retry-after') }).toEqual({
    status: 503,
    json: { error: 'temporarily_unavailable', error_description: expect.any(String) },
    retryAfter: expect.stringMatching(/^\d+$/),
  });
  expect(looksLikeStackTrace(body)).toBe(false);
  return body;
}

/** RFC 7662 introspection of `token` by the demo confidential client. */
export async function introspect(issuer: string, token: string): Promise<Record<string, unknown>> {
  return await (await postForm(`${issuer}/oauth/introspect`, { token }, demoClientAuth)).json() as Record<string, unknown>;
}
