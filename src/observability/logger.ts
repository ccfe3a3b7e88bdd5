import { pino, type Logger } from 'pino';
import { createRedactor } from './redact.js';

export type { Logger };

/**
 * Field names that may carry a credential: OAuth artefacts (RFC 6749 codes and tokens, PKCE
 * verifiers, client secrets and assertions, RFC 7591 registration tokens), our CSRF tokens,
 * passwords, cookies and Authorization headers. Matched in any case, at any depth. Nothing we
 * log should contain them in the first place; this list is the second line of defence.
 */
export const SECRET_FIELDS = [
  'password', 'new_password', 'passwordHash',
  'client_secret', 'client_assertion', 'secret', 'secrets', 'cookieKeys', 'signingKeys', 'keysEncryptionKeys', 'sealedPrivateJwk',
  'code', 'code_verifier', 'device_code', 'user_code',
  'token', 'access_token', 'refresh_token', 'id_token', 'id_token_hint', 'logout_token',
  'subject_token', 'actor_token', 'registration_access_token', 'initial_access_token', 'assertion',
  'csrf', 'authorization', 'cookie', 'set-cookie',
] as const;

export const REDACTED = '[redacted]';

/**
 * Structured JSON logs (pino), one object per line. Without a destination they go to stdout
 * through a 4 KiB buffer flushed at least every 250 ms (and synchronously on exit, by pino): one
 * write(2) per line was a tenth of the API's CPU profile under load.
 */
export function createLogger(deps: { level: string; destination?: pino.DestinationStream }): Logger {
  const redact = createRedactor(SECRET_FIELDS, REDACTED);
  return pino({
    level: deps.level,
    base: { service: 'gatehouse', pid: process.pid },
    formatters: { log: (object) => redact(object) },
    // Errors are serialized (and redacted) by the formatter above, wherever they appear.
    serializers: { err: (value: unknown) => value },
    timestamp: pino.stdTimeFunctions.isoTime,
  }, deps.destination ?? bufferedStdout());
}

function bufferedStdout(): pino.DestinationStream {
  const destination = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  setInterval(() => {
    try {
      destination.flush();
    } catch {
      // Destroyed (exiting): nothing left to flush.
    }
  }, 250).unref();
  return destination;
}
