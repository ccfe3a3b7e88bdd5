import { decodeJwt } from 'jose';

export interface ClaimRow {
  name: string;
  value: string;
  /** Plain words for the claims a reader may not know, and readable times. */
  note: string;
}

const NOTES: Readonly<Record<string, string>> = {
  iss: 'issuer: who signed this',
  sub: 'subject: the user, stable for this issuer',
  aud: 'audience: who this is for',
  azp: 'authorized party',
  client_id: 'the client the token was issued to',
  scope: 'what the token allows',
  jti: 'unique token id',
  nonce: 'ties the ID token to this sign-in',
  at_hash: 'binds the ID token to the access token',
  sid: 'Gatehouse session id',
  amr: 'how the user authenticated',
  acr: 'authentication context',
};
const TIMES = new Set(['exp', 'iat', 'nbf', 'auth_time', 'updated_at']);

/** A token's claims as table rows, in the order the token lists them. */
export function claimRows(claims: Readonly<Record<string, unknown>>): ClaimRow[] {
  return Object.entries(claims).map(([name, value]) => ({
    name,
    value: typeof value === 'string' ? value : JSON.stringify(value),
    note: TIMES.has(name) && typeof value === 'number' ? new Date(value * 1000).toISOString() : NOTES[name] ?? '',
  }));
}

/**
 * The access token's payload, decoded for display only: the demo is not its audience and does not
 * verify it; the API does (signature, iss, aud, typ at+jwt, exp).
 */
export function decodeAccessToken(token: string): Record<string, unknown> {
  try {
    return { ...decodeJwt(token) };
  } catch {
    return {};
  }
}
