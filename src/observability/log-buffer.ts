import { write, writeSync } from 'node:fs';

/**
 * Where log lines go: a file descriptor (stdout), written in batches of at least `minBytes`
 * and at least every `flushIntervalMs`, and synchronously when the process exits, so nothing
 * logged before `process.exit` (a fatal error, the end of a drain) is lost.
 *
 * Why not pino.destination (sonic-boom): it measures the byte length of its whole pending
 * buffer on every line, which made one access-log line cost about twice its formatting
 * (measured: 9 µs per line with it, 4.5 µs with this). Lines are counted in UTF-16 units
 * here; the count only decides when to write.
 */
export interface LogBuffer {
  write(line: string): boolean;
  /** Writes what is pending; `done` is called once all of it is written. */
  flush(done?: (error?: Error) => void): void;
  /** Writes what is pending before returning (at exit). */
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
  // The batch being written, as bytes: a short write continues from where it stopped.
  let writing: Buffer | undefined;
  // Whether the kernel has a write of ours in progress (rather than a retry waiting).
  let inProgress = false;
  let waiting: ((error?: Error) => void)[] = [];

  const take = (): Buffer | undefined => {
    if (pendingLength === 0) return undefined;
    const bytes = Buffer.from(pending.join(''));
    pending = [];
    pendingLength = 0;
    return bytes;
  };

  const drained = () => {
    const done = waiting;
    waiting = [];
    for (const callback of done) callback();
  };

  const writeOut = () => {
    if (writing) return;
    writing = take();
    if (writing) writeNext();
    else drained();
  };

  const writeNext = () => {
    const bytes = writing;
    // flushSync took the batch while a retry waited.
    if (!bytes) return;
    inProgress = true;
    write(fd, bytes, 0, bytes.length, null, (error, written) => {
      inProgress = false;
      if (error) {
        // stdout as a non-blocking pipe that is full: wait for its reader, then retry.
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
          setTimeout(writeNext, RETRY_MS).unref();
          return;
        }
        // Nowhere to log to (EPIPE: the reader is gone): drop the batch rather than crash.
        writing = undefined;
      } else {
        writing = written < bytes.length ? bytes.subarray(written) : undefined;
      }
      if (writing) writeNext();
      else if (pendingLength >= minBytes || waiting.length > 0) writeOut();
    });
  };

  const flushSync = () => {
    // A write in progress is left to finish (as pino's own destination does): writing its
    // batch again could duplicate lines, and an exit handler cannot wait for it. A batch that
    // waits for a retry is written here, before what came after it.
    const waitingBatch = inProgress ? undefined : writing;
    writing = undefined;
    const rest = take();
    const bytes = waitingBatch && rest ? Buffer.concat([waitingBatch, rest]) : waitingBatch ?? rest;
    let offset = 0;
    let stalledSince: number | undefined;
    while (bytes && offset < bytes.length) {
      try {
        offset += writeSync(fd, bytes, offset, bytes.length - offset);
        stalledSince = undefined;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return;
        stalledSince ??= Date.now();
        if (Date.now() - stalledSince > EXIT_STALL_MS) return;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, RETRY_MS);
      }
    }
  };

  setInterval(writeOut, options.flushIntervalMs).unref();
  process.once('exit', flushSync);

  return {
    write(line) {
      pending.push(line);
      pendingLength += line.length;
      if (pendingLength >= minBytes) writeOut();
      return true;
    },
    flush(done) {
      if (done) waiting.push(done);
      writeOut();
    },
    flushSync,
  };
}
