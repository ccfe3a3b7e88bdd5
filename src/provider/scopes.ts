/** Scopes we understand besides the resource servers' own (OIDC Core §5.4, §11). */
export const OIDC_SCOPES = ['openid', 'offline_access', 'profile', 'email'] as const;
