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
