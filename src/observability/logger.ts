import { pino, stdSerializers, type Logger } from 'pino';

export type { Logger };

/**
 * Field names that may carry a credential: OAuth artefacts (RFC 6749 codes and tokens, PKCE
 * verifiers, client secrets and assertions, RFC 7591 registration tokens), our CSRF tokens,
 * passwords, cookies and Authorization headers. Nothing we log should contain them in the
 * first place; this list is the second line of defence.
 */
export const SECRET_FIELDS = [
  'password', 'new_password', 'passwordHash',
  'client_secret', 'client_assertion', 'secret', 'secrets', 'cookieKeys', 'signingKeys',
  'code', 'code_verifier', 'device_code', 'user_code',
  'token', 'access_token', 'refresh_token', 'id_token', 'id_token_hint', 'logout_token',
  'subject_token', 'actor_token', 'registration_access_token', 'initial_access_token', 'assertion',
  'csrf', 'authorization', 'Authorization', 'cookie', 'Cookie', 'set-cookie', 'Set-Cookie',
] as const;

/** Each field at the top level and up to three levels down (pino's redaction has no deep wildcard). */
export const REDACT_PATHS = SECRET_FIELDS.flatMap((field) => {
  const key = /^[A-Za-z_$][\w$]*$/.test(field) ? field : `["${field}"]`;
  const join = (prefix: string) => (key.startsWith('[') ? `${prefix}${key}` : `${prefix}.${key}`);
  return [key.startsWith('[') ? key : field, join('*'), join('*.*'), join('*.*.*')];
});

export const REDACTED = '[redacted]';

/**
 * Structured JSON logs (pino). `code` is a secret field (authorization codes), so an error's
 * own `code` (ECONNREFUSED, ERR_...) is kept under `errorCode` before redaction would hide it.
 */
export function createLogger(deps: { level: string; destination?: pino.DestinationStream }): Logger {
  return pino({
    level: deps.level,
    base: { service: 'gatehouse', pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    serializers: { err: serializeError },
    timestamp: pino.stdTimeFunctions.isoTime,
  }, deps.destination);
}

function serializeError(error: unknown) {
  const serialized = stdSerializers.err(error as Error) as ReturnType<typeof stdSerializers.err> & { code?: unknown; errorCode?: string };
  if (typeof serialized?.code === 'string' && /^[A-Z][A-Z0-9_]{2,63}$/.test(serialized.code)) serialized.errorCode = serialized.code;
  return serialized;
}
