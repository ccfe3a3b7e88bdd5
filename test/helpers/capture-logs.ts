import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/observability/logger.js';

/** A log destination that keeps every line written to it (JSON strings), for tests that read logs. */
export function logSink(): { lines: string[]; destination: Writable } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      callback();
    },
  });
  return { lines, destination };
}

/** Our logger at `level`, writing to a sink whose lines the test reads. */
export function captureLogs(level = 'debug'): { logger: Logger; lines: string[] } {
  const { lines, destination } = logSink();
  return { logger: createLogger({ level, destination }), lines };
}
