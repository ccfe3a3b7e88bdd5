import { describe, expect, it } from '@jest/globals';
import { Browser } from '../helpers/browser.js';
import { authorize, DEMO_CONFIDENTIAL } from '../helpers/oauth.js';
import { useGatehouse } from '../helpers/use-gatehouse.js';

/**
 * oidc-provider checks whether a code or refresh token was used and then marks it used; two
 * requests in flight both pass the check unless the store's consume is atomic. These tests
 * race 20 real token requests over HTTP for one artifact, 100 times, on every store of the
 * test matrix (embedded, Redis, Redis Cluster: jest.config.js).
 */
const RACERS = 20;
const REPETITIONS = 100;

const { clients } = useGatehouse({ clients: { confidential: DEMO_CONFIDENTIAL } });
const browser = new Browser();

const basic = `Basic ${Buffer.from(`${DEMO_CONFIDENTIAL.id}:${DEMO_CONFIDENTIAL.secret}`).toString('base64')}`;

async function post(endpoint: 'token_endpoint' | 'introspection_endpoint', params: Record<string, string>) {
  const response = await fetch(clients.confidential.serverMetadata()[endpoint]!, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  });
  return { status: response.status, body: await response.json() as Record<string, unknown> };
}

/** A fresh code from the shared browser session (login once; consent again after each revocation). */
async function freshCode(scope: string) {
  const result = await authorize(clients.confidential, browser, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope, extra: { prompt: 'consent' } });
  return { code: result.callback.searchParams.get('code')!, verifier: result.codeVerifier };
}

/** Fires `RACERS` identical token requests at once; returns the winners and every loser's error. */
async function race(params: Record<string, string>) {
  const results = await Promise.all(Array.from({ length: RACERS }, () => post('token_endpoint', params)));
  return {
    winners: results.filter((result) => result.status === 200).map((result) => result.body),
    loserErrors: [...new Set(results.filter((result) => result.status !== 200).map((result) => `${result.status} ${String(result.body.error)}`))],
  };
}

const isActive = async (token: string) => (await post('introspection_endpoint', { token })).body.active;

describe(`${RACERS} concurrent redemptions, ${REPETITIONS} times`, () => {
  it('of one authorization code: exactly one gets tokens every time, the rest invalid_grant, and the grant is revoked', async () => {
    const outcomes: string[] = [];
    for (let round = 0; round < REPETITIONS; round++) {
      const { code, verifier } = await freshCode('openid');
      const { winners, loserErrors } = await race({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: DEMO_CONFIDENTIAL.redirectUri });
      // The code was presented more than once: what the winner got stops working (RFC 6749 §4.1.2).
      const winnerStillActive = winners.length === 1 && await isActive(String(winners[0]!.access_token));
      outcomes.push(`${winners.length} winner(s); losers: ${loserErrors.join(', ')}; winner's token active: ${winnerStillActive}`);
    }
    expect(new Set(outcomes)).toEqual(new Set(["1 winner(s); losers: 400 invalid_grant; winner's token active: false"]));
  }, 120_000);

  it('of one refresh token: exactly one rotation succeeds every time, the rest invalid_grant, and the grant is revoked', async () => {
    const outcomes: string[] = [];
    for (let round = 0; round < REPETITIONS; round++) {
      const { code, verifier } = await freshCode('openid offline_access');
      const issued = await post('token_endpoint', { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: DEMO_CONFIDENTIAL.redirectUri });
      const { winners, loserErrors } = await race({ grant_type: 'refresh_token', refresh_token: String(issued.body.refresh_token) });
      // Reuse of a rotated refresh token means theft (RFC 9700 §4.14.2): the new one dies too.
      const rotatedStillWorks = winners.length === 1
        && (await post('token_endpoint', { grant_type: 'refresh_token', refresh_token: String(winners[0]!.refresh_token) })).status === 200;
      outcomes.push(`${winners.length} winner(s); losers: ${loserErrors.join(', ')}; rotated token works: ${rotatedStillWorks}`);
    }
    expect(new Set(outcomes)).toEqual(new Set(['1 winner(s); losers: 400 invalid_grant; rotated token works: false']));
  }, 120_000);
});
