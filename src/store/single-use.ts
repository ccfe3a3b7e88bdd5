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

function describe(model: string): string {
  switch (model) {
    case 'AuthorizationCode': return 'authorization code';
    case 'RefreshToken': return 'refresh token';
    case 'DeviceCode': return 'device code';
    default: return model;
  }
}
