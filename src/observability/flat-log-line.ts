import { pino } from 'pino';
import { SECRET_FIELDS, type Logger } from './logger.js';
import { secretNameCheck } from './redact.js';

/** A log line's fields: flat, plain values. Undefined ones are left out, as pino leaves them out. */
export type FlatFields = Readonly<Record<string, string | number | boolean | undefined>>;

// pino's exported symbols for the logger's serialized bindings, its destination and its clock.
const { chindingsSym, streamSym, timeSym } = pino.symbols as Record<'chindingsSym' | 'streamSym' | 'timeSym', symbol>;
// A name JSON needs no escaping for.
const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Writes an info line of flat fields exactly as `logger.info(fields, msg)` would: same level,
 * time, bindings (service, pid, worker), field order and escaping, to the same destination.
 * For lines logged with nearly every request (the token audit line; the access line has its
 * own writer below): it skips pino's general path (serializers, the redaction formatter, its
 * walk over the object), which was a sixth of a protected API request's instructions.
 */
export function createFlatLogLine(logger: Logger): (fields: FlatFields, msg: string) => void {
  const { prefix, write } = infoLine(logger);
  // The redactor's own rule (redact.ts): a secret name here is one there. Only plain names, which
  // are also not secret, are remembered, so the regex runs once per name.
  const isSecret = secretNameCheck(SECRET_FIELDS);
  const plainNames = new Set<string>();
  const isPlain = (name: string) => {
    if (plainNames.has(name)) return true;
    if (isSecret(name) || !PLAIN_NAME.test(name)) return false;
    // Names come from our code; the bound only guards against a caller that builds them.
    if (plainNames.size >= 1000) plainNames.clear();
    plainNames.add(name);
    return true;
  };

  return (fields, msg) => {
    if (!logger.isLevelEnabled('info')) return;
    let out = prefix();
    for (const name in fields) {
      const value = fields[name];
      if (value === undefined) continue;
      // A secret name, or a value that is not plain after all (these fields come from other
      // libraries' objects too): pino's path, with the redaction formatter.
      const type = typeof value;
      if (!isPlain(name) || (type !== 'string' && type !== 'number' && type !== 'boolean')) {
        logger.info(fields, msg);
        return;
      }
      out += `,"${name}":${JSON.stringify(value)}`;
    }
    write(`${out},"msg":${JSON.stringify(msg)}}\n`);
  };
}

/** A request id that needs no escaping in JSON: acceptRequestId's (request-observer.ts) are. */
export type PlainRequestId = string & { readonly plainRequestId: unique symbol };

export interface AccessFields {
  reqId: PlainRequestId;
  /** Node's parser only passes methods that are HTTP tokens. */
  method: string;
  route: string;
  status: number;
  /** Milliseconds: a finite number. */
  ms: number;
  client?: string | undefined;
  grantType?: string | undefined;
}

/**
 * The access line, one per request: the flat line of `{ reqId, method, route, status, ms, client,
 * grant_type }` with the message "request", written from what is known of each field instead of
 * escaping each one. The request id needs no escaping (its type says so), the method and route
 * are escaped once per distinct value (they come from a small set), the numbers are finite;
 * only the client and grant type, which a caller chooses, are escaped on every line. Escaping
 * every value was about 40% of the line's instructions (callgrind, the protected API).
 */
export function createAccessLine(logger: Logger): (fields: AccessFields) => void {
  const { prefix, write } = infoLine(logger);
  const escaped = new Map<string, string>();
  const escape = (value: string) => {
    let json = escaped.get(value);
    if (json === undefined) {
      json = JSON.stringify(value);
      // Route names and methods are a small set; the bound only guards against a caller that builds them.
      if (escaped.size >= 1000) escaped.clear();
      escaped.set(value, json);
    }
    return json;
  };
  return ({ reqId, method, route, status, ms, client, grantType }) => {
    if (!logger.isLevelEnabled('info')) return;
    let out = `${prefix()},"reqId":"${reqId}","method":${escape(method)},"route":${escape(route)},"status":${status},"ms":${ms}`;
    if (client !== undefined) out += `,"client":${JSON.stringify(client)}`;
    if (grantType !== undefined) out += `,"grant_type":${JSON.stringify(grantType)}`;
    write(`${out},"msg":"request"}\n`);
  };
}

/** What every info line starts with (level, time, the logger's bindings), and where lines go. */
function infoLine(logger: Logger): { prefix: () => string; write: (line: string) => void } {
  const internals = logger as unknown as Record<symbol, unknown>;
  const level = logger.levels.values['info']!;
  const time = internals[timeSym] as () => string;
  return {
    prefix: () => `{"level":${level}${time()}${internals[chindingsSym] as string}`,
    write: (line) => (internals[streamSym] as { write(chunk: string): unknown }).write(line),
  };
}
