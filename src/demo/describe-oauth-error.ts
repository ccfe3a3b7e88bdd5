/**
 * What went wrong, in words for the page. openid-client's errors carry Gatehouse's OAuth error
 * (`error`, `error_description`), or a `code` and, in `cause`, the check that failed: its own
 * message ("invalid response encountered") names no check, so the cause's is read here.
 */
export function describeOAuthError(error: unknown, prefix: string, issuer: string): string {
  const e = error as { error?: string; error_description?: string; message?: string; cause?: unknown };
  if (e.error) return `${prefix}: Gatehouse answered ${e.error}${e.error_description ? ` (${e.error_description})` : ''}.`;
  const detail = (e.cause as { message?: unknown } | undefined)?.message;
  if (typeof detail === 'string') {
    const check = describeFailedCheck(detail, issuer);
    if (check) return `${prefix}: ${check} Sign in again.`;
    return `${prefix}: ${e.message ?? 'unknown error'} (${detail}).`;
  }
  return `${prefix}: ${e.message ?? 'unknown error'}.`;
}

/** The checks of an authorization response (RFC 6749 §10.12 state, RFC 9207 iss), by the message oauth4webapi gives each. */
function describeFailedCheck(detail: string, issuer: string): string | undefined {
  const twice = /^"(\w+)" parameter must be provided only once$/.exec(detail);
  if (twice) return `the response gives ${twice[1]} more than once, so it cannot be trusted.`;
  switch (detail) {
    case 'unexpected "state" response parameter value':
      return 'the response did not come from the sign-in this browser started (state did not match).';
    case 'response parameter "state" missing':
      return 'the response did not come from the sign-in this browser started (it has no state).';
    case 'unexpected "iss" (issuer) response parameter value':
      return `the response names another issuer (iss) than ${issuer}: it did not come from the Gatehouse this demo uses.`;
    case 'response parameter "iss" (issuer) missing':
      return `the response does not name the issuer (iss), which ${issuer} always sends: it may come from another server.`;
    default:
      return undefined;
  }
}
