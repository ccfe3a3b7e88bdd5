import { stdSerializers } from 'pino';

const MAX_DEPTH = 10;

/**
 * Returns `value` with every property whose name is in `fields` (any case, any depth) replaced
 * by `censor`, and every Error turned into a plain serialized object (type, message, stack,
 * own fields) that is redacted the same way. Objects without a secret field are returned as
 * they are (no copy), so the common log line costs a walk over a few keys.
 *
 * Why not pino's `redact`: it takes explicit paths, so "any depth" means many wildcard paths,
 * and those dominated our CPU profile under load.
 */
export function createRedactor(fields: readonly string[], censor: string): <T>(value: T) => T {
  const isSecret = secretNameCheck(fields);

  const visit = (value: unknown, depth: number, seen: WeakSet<object>): unknown => {
    if (value === null || typeof value !== 'object' || depth > MAX_DEPTH || ArrayBuffer.isView(value)) return value;
    if (seen.has(value)) return '[circular]';
    seen.add(value);
    if (value instanceof Error) return visit({ ...serializeError(value) }, depth, seen);
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      value.forEach((item, index) => {
        const next = visit(item, depth + 1, seen);
        if (next !== item) (copy ??= [...value])[index] = next;
      });
      return copy ?? value;
    }
    let copy: Record<string, unknown> | undefined;
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const item = record[key];
      const next = isSecret(key) ? (item === undefined ? item : censor) : visit(item, depth + 1, seen);
      if (next !== item) (copy ??= { ...record })[key] = next;
    }
    return copy ?? value;
  };

  /** A flat object of plain values with no secret name: most lines, the access log's among them. */
  const isFlatAndClean = (value: object) => {
    if (Array.isArray(value) || value instanceof Error) return false;
    const record = value as Record<string, unknown>;
    for (const key in record) {
      const item = record[key];
      if ((item !== null && typeof item === 'object') || isSecret(key)) return false;
    }
    return true;
  };

  return <T>(value: T) => (value !== null && typeof value === 'object' && isFlatAndClean(value) ? value : visit(value, 0, new WeakSet()) as T);
}

/**
 * Whether a property name is one of `fields`, in any letter case. Answers are kept by the name as
 * written: log lines repeat a few dozen names, and lower-casing each one on every line showed in
 * the access log's cost.
 */
export function secretNameCheck(fields: readonly string[]): (name: string) => boolean {
  const secret = new Set(fields.map((field) => field.toLowerCase()));
  const known = new Map<string, boolean>();
  return (name) => {
    let answer = known.get(name);
    if (answer === undefined) {
      answer = secret.has(name.toLowerCase());
      // Names come from our code and the libraries' objects; a bound keeps odd ones from growing it.
      if (known.size >= 10_000) known.clear();
      known.set(name, answer);
    }
    return answer;
  };
}

/**
 * pino's error serializer, plus `errorCode`: `code` is a secret field (authorization codes),
 * so an error's own code (ECONNREFUSED, ERR_...) is kept under another name. Without
 * `command`: ioredis attaches the failed command to its errors, and our Redis keys and script
 * arguments carry token and code values and payloads (the store logs its failures through
 * redisFailure already; this covers an error that reaches a log some other way, a crash).
 */
function serializeError(error: Error): Record<string, unknown> {
  const serialized = stdSerializers.err(error) as unknown as Record<string, unknown>;
  delete serialized['command'];
  const code = serialized['code'];
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{2,63}$/.test(code)) serialized['errorCode'] = code;
  return serialized;
}
