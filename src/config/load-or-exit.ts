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
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
