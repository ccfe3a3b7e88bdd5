import type { Logger } from './logger.js';

/**
 * Puts the error that ends the process (an uncaught exception, or a promise rejection nothing
 * handled) in the log as one fatal JSON line, so that a log collector sees why the process
 * stopped; Node then prints its stack to stderr and exits 1 as it always does (this only
 * watches: 'uncaughtExceptionMonitor'). The log buffer writes the line out on exit.
 */
export function logCrashes(logger: Logger): void {
  process.on('uncaughtExceptionMonitor', (error, origin) => {
    logger.fatal({ err: error, origin }, origin === 'unhandledRejection' ? 'a promise rejection nothing handled: stopping' : 'an uncaught error: stopping');
  });
}
