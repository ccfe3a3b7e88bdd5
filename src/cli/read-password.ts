import type { CliIo } from './cli-context.js';
import { CliError, UsageError } from './command.js';

/** The login form reads at most this much of a password (interaction-router.ts). */
const MAX_PASSWORD_LENGTH = 1024;
const MIN_PASSWORD_LENGTH = 8;

/**
 * A password from standard input, never from the command line (where `ps` and shell history
 * would show it): piped (`printf %s "$PW" | gatehouse user create ... --password-stdin`) or typed
 * at a hidden prompt. One trailing newline is dropped, as `echo` adds it.
 */
export async function readPassword(io: CliIo, passwordStdin: boolean): Promise<string> {
  if (!passwordStdin) {
    throw new UsageError('give the password on standard input with --password-stdin (never as an argument: other users can see arguments)');
  }
  let password: string;
  if (io.inputIsTerminal) {
    password = await io.promptHidden('Password: ');
    const again = await io.promptHidden('Repeat it: ');
    if (password !== again) throw new CliError('the passwords do not match');
  } else {
    password = (await io.readInput()).replace(/\r?\n$/, '');
    // </dev/null, a closed input, or `echo "$UNSET"`: nothing was piped in, rather than a short password.
    if (password === '') throw new CliError('no password was given on standard input (pipe it in: printf %s "$PASSWORD" | gatehouse ...)');
  }
  if (password.includes('\n')) throw new CliError('the password must be a single line');
  if (password.length < MIN_PASSWORD_LENGTH) throw new CliError(`the password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > MAX_PASSWORD_LENGTH) throw new CliError(`the password must have at most ${MAX_PASSWORD_LENGTH} characters`);
  return password;
}
