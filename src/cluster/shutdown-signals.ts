import type { Logger } from '../observability/logger.js';

/**
 * Runs `stop` once on the first SIGTERM or SIGINT, then exits with its outcome (0 or 1).
 * Later signals are ignored: npm forwards the signal it received, and a terminal's Ctrl-C
 * reaches every process of the group, so a second one must not abort the drain.
 */
export function onShutdownSignal(logger: Logger, stop: (signal: NodeJS.Signals) => Promise<void>): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.debug({ signal }, 'already shutting down');
      return;
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stop(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
}

/**
 * A start that the first SIGTERM or SIGINT may interrupt: `start` gets a signal that aborts then
 * (waiting for Redis, which may take REDIS_CONNECT_TIMEOUT_MS, ends at once), and `stop` runs
 * with what the start gave once it settles (undefined if it did not finish); the process then
 * exits as onShutdownSignal says. Resolves with what the start gave, or undefined when a signal
 * stopped it; rejects when the start fails on its own.
 */
export async function startUntilSignalled<T>(
  logger: Logger,
  start: (signal: AbortSignal) => Promise<T>,
  stop: (started: T | undefined) => Promise<void>,
): Promise<T | undefined> {
  const starting = new AbortController();
  const started = start(starting.signal);
  onShutdownSignal(logger, async () => {
    starting.abort(new Error('shutting down during start'));
    await stop(await started.catch(() => undefined));
  });
  try {
    const value = await started;
    return starting.signal.aborted ? undefined : value;
  } catch (error) {
    // Stopped by the signal: its handler exits once the start has closed what it opened.
    if (starting.signal.aborted) return undefined;
    throw error;
  }
}
