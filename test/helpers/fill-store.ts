import { DEMO_CONFIDENTIAL } from './oauth.js';
import { basicAuth, postForm } from './requests.js';

/**
 * Requests opaque client_credentials tokens (each one a stored record) for the demo
 * confidential client, 16 at a time, until the server refuses one. Returns the tokens it got
 * and the first refusal, body unread. Gives up after `limit` tokens.
 */
export async function issueTokensUntilRefused(issuer: string, limit = 20_000): Promise<{ issued: string[]; refused: Response }> {
  const auth = { authorization: basicAuth(DEMO_CONFIDENTIAL.id, DEMO_CONFIDENTIAL.secret) };
  const issued: string[] = [];
  let refused: Response | undefined;
  while (!refused) {
    if (issued.length >= limit) throw new Error(`${limit} tokens issued and none refused`);
    const responses = await Promise.all(Array.from({ length: 16 }, () => postForm(`${issuer}/oauth/token`, { grant_type: 'client_credentials' }, auth)));
    for (const response of responses) {
      if (response.status === 200) issued.push((await response.json() as { access_token: string }).access_token);
      else if (!refused) refused = response;
      else await response.body?.cancel();
    }
  }
  return { issued, refused };
}
