import type { Logger } from '../../observability/logger.js';
import { StoreUnavailableError } from '../store-errors.js';

/**
 * The one place Redis failures become StoreUnavailableError (503 temporarily_unavailable).
 * Every Redis call of the store runs inside `run`; protocol decisions (already consumed,
 * replay) are taken outside it, so anything that rejects in here is a storage failure:
 * a refused or lost connection, a command timeout, CLUSTERDOWN, LOADING, OOM, READONLY...
 */
export interface StoreGuard {
  run<T>(operation: string, work: () => Promise<T>): Promise<T>;
}

export function createStoreGuard(deps: {
  logger: Logger;
  /**
   * Hard bound for one store operation (which may be several commands), on top of each
   * command's own timeout: a request must get its 503 in bounded time whatever ioredis does
   * (cluster redirections and retries add delays of their own).
   */
  deadlineMs: number;
  /** At most one failure log line per this interval; an outage must not flood the logs. */
  logIntervalMs?: number;
  now?: () => number;
}): StoreGuard {
  const now = deps.now ?? Date.now;
  const logIntervalMs = deps.logIntervalMs ?? 5000;
  let lastLogAt = -Infinity;
  let suppressed = 0;

  const report = (operation: string, cause: Error) => {
    if (now() - lastLogAt < logIntervalMs) {
      suppressed++;
      return;
    }
    deps.logger.warn({ operation, err: cause, suppressedSinceLast: suppressed }, 'storage unavailable: answering 503');
    lastLogAt = now();
    suppressed = 0;
  };

  return {
    async run(operation, work) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${operation} exceeded ${deps.deadlineMs} ms`)), deps.deadlineMs);
      });
      try {
        return await Promise.race([work(), deadline]);
      } catch (error) {
        const cause = redisFailure(error);
        report(operation, cause);
        throw new StoreUnavailableError({ cause });
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/**
 * What may be logged of a Redis failure: its kind and message. ioredis attaches the failed
 * command to reply errors, and our keys and arguments carry token and code values and payloads,
 * which must never reach a log.
 */
export function redisFailure(error: unknown): Error {
  const source = error instanceof Error ? error : new Error(String(error));
  const safe = new Error(source.message);
  safe.name = source.name;
  return safe;
}
