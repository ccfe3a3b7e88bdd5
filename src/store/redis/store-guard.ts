import { createLogThrottle } from '../../observability/log-throttle.js';
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

interface InFlight {
  readonly operation: string;
  readonly deadline: number;
  readonly fail: (cause: Error) => void;
}

export function createStoreGuard(deps: {
  logger: Logger;
  /**
   * Hard bound for one store operation (which may be several commands), on top of each
   * command's own timeout: a request must get its 503 in bounded time whatever ioredis does
   * (cluster redirections and retries add delays of their own). Enforced to within a
   * twentieth of itself (at least 5 ms).
   */
  deadlineMs: number;
  /** At most one failure log line per this interval; an outage must not flood the logs. */
  logIntervalMs?: number;
  now?: () => number;
}): StoreGuard {
  const throttle = createLogThrottle(deps.logIntervalMs ?? 5000, deps.now);
  const report = (operation: string, cause: Error) => throttle((suppressed) => {
    deps.logger.warn({ operation, err: cause, suppressedSinceLast: suppressed }, 'storage unavailable: answering 503');
  });

  // Deadlines are checked by one interval timer while operations are in flight, not by a
  // timer per operation: a timer set and cleared on every Redis call showed in the CPU
  // profile, and deadlines only matter when Redis stalls.
  const inFlight = new Set<InFlight>();
  const sweepEveryMs = Math.max(5, Math.round(deps.deadlineMs / 20));
  let sweeper: NodeJS.Timeout | undefined;
  const sweep = () => {
    const at = performance.now();
    for (const entry of inFlight) {
      if (entry.deadline <= at) entry.fail(new Error(`${entry.operation} exceeded ${deps.deadlineMs} ms`));
    }
    if (inFlight.size === 0) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  };

  return {
    run(operation, work) {
      return new Promise((resolve, reject) => {
        const entry: InFlight = {
          operation,
          deadline: performance.now() + deps.deadlineMs,
          fail(error) {
            if (!inFlight.delete(entry)) return;
            const cause = redisFailure(error);
            report(operation, cause);
            reject(new StoreUnavailableError({ cause }));
          },
        };
        inFlight.add(entry);
        sweeper ??= setInterval(sweep, sweepEveryMs).unref();
        let result: ReturnType<typeof work>;
        try {
          result = work();
        } catch (error) {
          entry.fail(error as Error);
          return;
        }
        result.then((value) => {
          if (inFlight.delete(entry)) resolve(value);
        }, entry.fail);
      });
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
