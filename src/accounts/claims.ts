import type { AccountRecord } from './account-repository.js';

/** Which claims each scope releases (OIDC Core §5.4); `claims` in the provider configuration. */
export const CLAIMS_BY_SCOPE = {
  openid: ['sub'],
  profile: ['name', 'given_name', 'family_name', 'preferred_username', 'updated_at'],
  email: ['email', 'email_verified'],
} as const;

/** Every claim we can state about an account; oidc-provider filters them by granted scope. */
export function accountClaims(account: AccountRecord): Record<string, unknown> {
  return {
    sub: account.id,
    name: account.name,
    given_name: account.givenName,
    family_name: account.familyName,
    preferred_username: account.username,
    updated_at: account.createdAt,
    email: account.email,
    email_verified: account.email ? Boolean(account.emailVerified) : undefined,
  };
}
