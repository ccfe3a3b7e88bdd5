import { pino, type Logger } from 'pino';
import { createLogBuffer } from './log-buffer.js';
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
 * in batches of 32 KiB, flushed at least every 250 ms and synchronously on exit, each batch in
 * writes of whole lines that a shared pipe takes whole (log-buffer.ts): one write(2) per line
 * was a tenth of the API's CPU profile under load.
 */
export function createLogger(deps: { level: string; destination?: pino.DestinationStream; service?: string }): Logger {
  const redact = createRedactor(SECRET_FIELDS, REDACTED);
  return pino({
    level: deps.level,
    // Each line names its program once (a child binding would write a second "service" key).
    base: { service: deps.service ?? 'gatehouse', pid: process.pid },
    formatters: { log: (object) => redact(object) },
    // Errors are serialized (and redacted) by the formatter above, wherever they appear.
    serializers: { err: (value: unknown) => value },
    timestamp: isoTime(),
  }, deps.destination ?? stdout(deps.level));
}

function stdout(level: string): pino.DestinationStream {
  // A silent logger (the CLI, tests) writes nothing: no buffer, timer or exit hook for it.
  if (level === 'silent') return { write: () => true } as pino.DestinationStream;
  return createLogBuffer({ fd: 1, minBytes: 32 * 1024, flushIntervalMs: 250 });
}

/**
 * pino's isoTime, with the date and time up to the second formatted once per second: under
 * load several lines share a second (and a millisecond), and `toISOString` (a printf in V8)
 * was a visible part of each access-log line. Only the milliseconds are formatted per line.
 */
export function isoTime(clock: () => number = Date.now): () => string {
  let second = Number.NaN;
  let prefix = '';
  return () => {
    const now = clock();
    const ms = now % 1000;
    if (now - ms !== second) {
      second = now - ms;
      // "YYYY-MM-DDTHH:MM:SS." of the whole second (what toISOString gives, without "mmmZ").
      prefix = `,"time":"${new Date(second).toISOString().slice(0, -4)}`;
    }
    return `${prefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z"`;
  };
}
