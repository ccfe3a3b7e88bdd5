/**
 * Authentication context classes (OIDC Core §2 `acr`), published as acr_values_supported.
 * The ID token's `amr` (RFC 8176) says which methods were used: ['pwd'] or ['pwd', 'otp'].
 */
export const ACR_PASSWORD = 'urn:gatehouse:acr:password';
/** A password and a second factor (an authenticator app code or a recovery code). */
export const ACR_SECOND_FACTOR = 'urn:gatehouse:acr:second-factor';
export const ACR_VALUES = [ACR_PASSWORD, ACR_SECOND_FACTOR] as const;

/**
 * Released in every ID token (with scope openid): how and when the user signed in (OIDC Core §2,
 * RFC 8176). oidc-provider would otherwise send acr and amr only when a client asks for them.
 */
export const SIGN_IN_CLAIMS = ['acr', 'amr', 'auth_time'] as const;
