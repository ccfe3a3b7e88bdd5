import { errors } from 'oidc-provider';

/**
 * What a lost race for a single-use artifact means (RFC 9700 §4.14, RFC 6749 §4.1.2):
 * the artifact was presented twice, so the grant behind it is compromised.
 * PAR request_uris carry no grant; they only become invalid (RFC 9126 §4).
 */
export function alreadyConsumedError(model: string): Error {
  if (model === 'PushedAuthorizationRequest') {
    return new errors.InvalidRequestUri('request_uri is invalid, expired, or was already used');
  }
  return new errors.InvalidGrant(`${describe(model)} already consumed`);
}

/** Models whose double use must revoke every token of their grant. */
export function revokesGrantOnReuse(model: string): boolean {
  return model !== 'PushedAuthorizationRequest';
}

/**
 * Models issued under a grant, which revokeByGrantId removes (the same list as
 * oidc-provider's own adapters). Interactions also carry a grantId but are not revoked with it.
 */
const GRANT_BOUND = new Set([
  'AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest', 'PreAuthorizedCode',
]);

export function isGrantBound(model: string): boolean {
  return GRANT_BOUND.has(model);
}

/**
 * ReplayDetection remembers a JWT's jti (client assertions, DPoP proofs) so it is used once.
 * oidc-provider's `unique()` calls find() and then saves: two requests with the same jti would
 * both find nothing. So find() is the atomic step for this model: finding an unknown id records
 * it (for CLAIM_SECONDS, until the save sets its real lifetime) and answers "not found"; every
 * later find answers "found", and oidc-provider rejects the replay with its own error
 * (invalid_client for a client assertion; for a DPoP proof invalid_grant at the token
 * endpoint and invalid_token at userinfo, where RFC 9449 §5 would say invalid_dpop_proof).
 */
export function claimsOnFind(model: string): boolean {
  return model === 'ReplayDetection';
}

export const CLAIM_SECONDS = 60;

/**
 * Room a store must have left to use a record up: what its redemption stores next (a code or a
 * refresh token becomes an access and a refresh token, about 2 KB in either store, with margin).
 * Used up and then refused the tokens, a code would be spent and its retry look like a replay,
 * which revokes the grant; refused first (503), it stays good for a retry.
 */
export const CONSUME_HEADROOM_BYTES = 8 * 1024;

function describe(model: string): string {
  switch (model) {
    case 'AuthorizationCode': return 'authorization code';
    case 'RefreshToken': return 'refresh token';
    case 'DeviceCode': return 'device code';
    default: return model;
  }
}
