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
 * For the lines logged on every request (the access line, the token audit line): it skips
 * pino's general path (serializers, the redaction formatter, its walk over the object), which
 * was a sixth of a protected API request's instructions.
 */
export function createFlatLogLine(logger: Logger): (fields: FlatFields, msg: string) => void {
  const internals = logger as unknown as Record<symbol, unknown>;
  const level = logger.levels.values['info']!;
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
    let out = `{"level":${level}${(internals[timeSym] as () => string)()}${internals[chindingsSym] as string}`;
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
    (internals[streamSym] as { write(chunk: string): unknown }).write(`${out},"msg":${JSON.stringify(msg)}}\n`);
  };
}
