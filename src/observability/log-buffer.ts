import { writeSync } from 'node:fs';

/**
 * Where log lines go: a file descriptor (stdout), written in batches of at least `minBytes`
 * and at least every `flushIntervalMs`, and when the process exits, so nothing logged before
 * `process.exit` (a fatal error, the end of a drain) is lost.
 *
 * Why not pino.destination (sonic-boom): it measures the byte length of its whole pending
 * buffer on every line, which made one access-log line cost about twice its formatting
 * (measured: 9 µs per line with it, 4.5 µs with this). Lines are counted in UTF-16 units
 * here; the count only decides when to write.
 *
 * Writes are synchronous, as pino's default destination's are, but one per batch rather than
 * one per line: a batch is a single write(2) of a few tens of kilobytes. A full non-blocking
 * pipe (EAGAIN) never blocks the event loop: what it did not take is kept, in order, and
 * tried again shortly.
 */
export interface LogBuffer {
  write(line: string): boolean;
  /** Writes what is pending; `done` is called once all of it is written. */
  flush(done?: (error?: Error) => void): void;
  /** Writes what is pending before returning, waiting for a full pipe (at exit). */
  flushSync(): void;
}

// A full pipe is tried again this often (it has no writable event to wait for).
const RETRY_MS = 10;
// At exit, a full pipe whose reader takes nothing for this long is given up on.
const EXIT_STALL_MS = 5000;

export function createLogBuffer(options: { fd: number; minBytes: number; flushIntervalMs: number }): LogBuffer {
  const { fd, minBytes } = options;
  let pending: string[] = [];
  let pendingLength = 0;
  // Bytes of a batch the descriptor has not taken yet (a short write, a full pipe).
  let unwritten: Buffer | undefined;
  let retry: NodeJS.Timeout | undefined;
  let waiting: ((error?: Error) => void)[] = [];

  /** Writes everything pending; false when a full pipe left some for later. */
  const writeOut = (): boolean => {
    for (;;) {
      if (!unwritten) {
        if (pendingLength === 0) break;
        unwritten = Buffer.from(pending.join(''));
        pending = [];
        pendingLength = 0;
      }
      try {
        const written = writeSync(fd, unwritten);
        unwritten = written < unwritten.length ? unwritten.subarray(written) : undefined;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return false;
        // Nowhere to log to (EPIPE: the reader is gone): drop the batch rather than crash.
        unwritten = undefined;
      }
    }
    const done = waiting;
    waiting = [];
    for (const callback of done) callback();
    return true;
  };

  const writeSoon = () => {
    if (retry || writeOut()) return;
    retry = setTimeout(() => {
      retry = undefined;
      writeSoon();
    }, RETRY_MS).unref();
  };

  const flushSync = () => {
    const left = () => (unwritten?.length ?? 0) + pendingLength;
    let lastLeft = left();
    let progressAt = Date.now();
    while (!writeOut()) {
      if (left() !== lastLeft) {
        lastLeft = left();
        progressAt = Date.now();
      } else if (Date.now() - progressAt > EXIT_STALL_MS) {
        return;
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, RETRY_MS);
    }
  };

  setInterval(writeSoon, options.flushIntervalMs).unref();
  process.once('exit', flushSync);

  return {
    write(line) {
      pending.push(line);
      pendingLength += line.length;
      if (pendingLength >= minBytes) writeSoon();
      return true;
    },
    flush(done) {
      if (done) waiting.push(done);
      writeSoon();
    },
    flushSync,
  };
}
