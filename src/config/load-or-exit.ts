import type { Logger } from '../observability/logger.js';
import { ConfigError } from './config-error.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * For entry points: the configuration, or every problem with it on stderr and exit code 1
 * (no stack trace: a bad setting is the operator's to fix, not a crash).
 */
export function loadOrExit<T>(load: (env: Env) => T, env: Env = process.env): T {
  try {
    return load(env);
  } catch (error) {
    if (error instanceof ConfigError) exitWithProblems(error);
    throw error;
  }
}

/**
 * For entry points whose start failed once the logger exists: a configuration problem found then
 * (keys, files) on stderr as loadOrExit writes it, anything else (a port in use) as one fatal log
 * line, not an unhandled rejection and Node's stack trace. Exit code 1 either way.
 * `problemsAsLogLine`: the configuration problem too as a fatal log line, for a process whose
 * stderr no one reads as text (a cluster worker: the primary only learns its exit code).
 */
export function exitFailedStart(logger: Logger, error: unknown, options: { problemsAsLogLine?: boolean } = {}): never {
  if (error instanceof ConfigError) {
    if (!options.problemsAsLogLine) exitWithProblems(error);
    logger.fatal({ problems: error.problems }, 'failed to start: invalid configuration');
    process.exit(1);
  }
  logger.fatal({ err: error }, 'failed to start');
  process.exit(1);
}

function exitWithProblems(error: ConfigError): never {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
