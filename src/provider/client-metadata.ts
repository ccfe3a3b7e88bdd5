import { errors, type Client, type KoaContextWithOIDC } from 'oidc-provider';
import { isHashedClientSecret } from '../clients/client-secret.js';
import { CONTROL_CHARACTER } from '../security/control-characters.js';
import { checkRegistrationPolicy } from './registration-policy.js';

/**
 * Our own client metadata, settable only by operators (static configuration, the admin CLI),
 * never through dynamic registration:
 * - `first_party`: our own application; consent is implied and its page skipped.
 * - `resource_server`: may introspect any token (RFC 7662 §2.1 leaves the policy to us).
 */
export const EXTRA_CLIENT_METADATA = ['first_party', 'resource_server'] as const;

export function extraClientMetadata() {
  return {
    properties: [...EXTRA_CLIENT_METADATA],
    validator(ctx: KoaContextWithOIDC | undefined, key: string, value: unknown, metadata: Record<string, unknown>) {
      // ctx is set only for registration and management requests (RFC 7591/7592). oidc-provider
      // calls this once per extra property, before its own checks, with the whole metadata: the
      // registration policy runs on the first call.
      if (key === EXTRA_CLIENT_METADATA[0]) {
        if (ctx) {
          // Registered metadata ends up in pages, URLs and logs: no NUL or other control characters anywhere in it.
          const field = fieldWithControlCharacters(metadata);
          if (field) throw new errors.InvalidClientMetadata(`${field} must not contain control characters`);
          checkRegistrationPolicy(metadata);
        }
        checkSecretUse(metadata);
        checkConfidentialGrants(metadata);
      }
      if (value === undefined) return;
      if (typeof value !== 'boolean') throw new errors.InvalidClientMetadata(`${key} must be a boolean`);
      if (ctx && value) throw new errors.InvalidClientMetadata(`${key} cannot be set through registration`);
    },
  };
}

/**
 * A secret stored as a digest (client-secret.ts) proves itself only by comparison: it cannot
 * key an HMAC, so such a client cannot use client_secret_jwt or HS* algorithms.
 */
function checkSecretUse(metadata: Record<string, unknown>): void {
  if (!isHashedClientSecret(metadata['client_secret'])) return;
  const symmetric = Object.entries(metadata).filter(([property, value]) =>
    (property === 'token_endpoint_auth_method' && value === 'client_secret_jwt')
    || (property.endsWith('_alg') && typeof value === 'string' && value.startsWith('HS')));
  if (symmetric.length > 0) {
    throw new errors.InvalidClientMetadata(`a client whose secret is stored as a digest cannot use ${symmetric.map(([property, value]) => `${property} ${String(value)}`).join(', ')}: it needs the secret itself`);
  }
}

/**
 * client_credentials is for confidential clients only (RFC 6749 §4.4): a client that does not
 * authenticate would let anyone who knows its id mint tokens in its name.
 */
function checkConfidentialGrants(metadata: Record<string, unknown>): void {
  const grantTypes = metadata['grant_types'];
  if (metadata['token_endpoint_auth_method'] === 'none' && Array.isArray(grantTypes) && grantTypes.includes('client_credentials')) {
    throw new errors.InvalidClientMetadata('grant_types client_credentials is only for confidential clients: a client with token_endpoint_auth_method none cannot use it');
  }
}

export function isFirstParty(client: Client): boolean {
  return (client as unknown as Record<string, unknown>)['first_party'] === true;
}

export function isResourceServerClient(client: Client): boolean {
  return (client as unknown as Record<string, unknown>)['resource_server'] === true;
}

/** The first metadata field holding a string with a control character, searched through arrays and objects. */
function fieldWithControlCharacters(metadata: Record<string, unknown>): string | undefined {
  const has = (value: unknown): boolean => {
    if (typeof value === 'string') return CONTROL_CHARACTER.test(value);
    if (Array.isArray(value)) return value.some(has);
    if (value && typeof value === 'object') return Object.values(value).some(has);
    return false;
  };
  return Object.keys(metadata).find((field) => has(metadata[field]));
}
