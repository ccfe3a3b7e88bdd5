/** What each OIDC scope lets an application do, in the words the consent page uses. */
export const OIDC_SCOPE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  openid: 'Know who you are when you sign in',
  profile: 'See your name and username',
  email: 'See your email address and whether it is verified',
  offline_access: 'Keep this access when you are not using it (until you revoke it)',
};

export interface ScopeLine {
  name: string;
  description: string;
}

export function describeScopes(scopes: readonly string[], resourceScopes: ReadonlyMap<string, string>): ScopeLine[] {
  return [...new Set(scopes)].map((name) => ({
    name,
    description: OIDC_SCOPE_DESCRIPTIONS[name] ?? resourceScopes.get(name) ?? defaultScopeDescription(name),
  }));
}

/** What the consent page says for a scope nobody described. */
export function defaultScopeDescription(scope: string): string {
  return `Use the "${scope}" permission`;
}
