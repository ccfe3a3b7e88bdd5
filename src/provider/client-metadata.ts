import { errors, type Client, type KoaContextWithOIDC } from 'oidc-provider';
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
      if (ctx && key === EXTRA_CLIENT_METADATA[0]) checkRegistrationPolicy(metadata);
      if (value === undefined) return;
      if (typeof value !== 'boolean') throw new errors.InvalidClientMetadata(`${key} must be a boolean`);
      if (ctx && value) throw new errors.InvalidClientMetadata(`${key} cannot be set through registration`);
    },
  };
}

export function isFirstParty(client: Client): boolean {
  return (client as unknown as Record<string, unknown>)['first_party'] === true;
}

export function isResourceServerClient(client: Client): boolean {
  return (client as unknown as Record<string, unknown>)['resource_server'] === true;
}
