const GRANT_TYPES = new Set(['authorization_code', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code', 'urn:openid:params:grant-type:ciba']);

/**
 * A grant type for a log line or a metric label: one we know, else "other". What a client sends
 * as grant_type can be anything, as long as the body (56 KiB), and is sent before it is checked.
 */
export function grantTypeLabel(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  return GRANT_TYPES.has(value) ? value : 'other';
}

/** oidc-provider's short names in a token's `gty` for the grants whose grant_type is a URN. */
const GTY_GRANT_TYPES: ReadonlyMap<string, string> = new Map([
  ['device_code', 'urn:ietf:params:oauth:grant-type:device_code'],
  ['ciba', 'urn:openid:params:grant-type:ciba'],
]);

/**
 * The grant a token came from, labelled as the grant_type a client sends. oidc-provider's `gty`
 * accumulates ("authorization_code refresh_token"): the last one issued this token.
 */
export function gtyLabel(gty: string | undefined): string {
  const last = gty?.split(' ').at(-1) ?? '';
  return grantTypeLabel(GTY_GRANT_TYPES.get(last) ?? last) ?? 'other';
}
