import type { CliContext, CliIo } from './cli-context.js';
import { openCliContext } from './cli-context.js';
import { clientCommands } from './client-commands.js';
import { CliError, commandUsage, groupUsage, parseCommand, UsageError, type CommandGroup } from './command.js';
import { keyCommands } from './key-commands.js';
import { printableLines } from './output.js';
import { resourceCommands } from './resource-commands.js';
import { tokenCommands } from './token-commands.js';
import { userCommands } from './user-commands.js';

export const GROUPS: readonly CommandGroup[] = [clientCommands, userCommands, resourceCommands, keyCommands, tokenCommands];

export interface RunCliDeps {
  io: CliIo;
  env: Readonly<Record<string, string | undefined>>;
  /** For tests: a context over a store they hold. */
  openContext?: (json: boolean) => Promise<CliContext>;
}

/**
 * Runs one `gatehouse` command and returns the exit code: 0 done, 1 refused or failed (the
 * message says why), 2 bad command line (the usage says how).
 */
export async function runCli(argv: readonly string[], deps: RunCliDeps): Promise<number> {
  const { io } = deps;
  const [groupName, commandName, ...rest] = argv;
  if (groupName === undefined || groupName === '--help' || groupName === '-h' || groupName === 'help') {
    io.out(mainUsage());
    return groupName === undefined ? 2 : 0;
  }
  const group = GROUPS.find((candidate) => candidate.name === groupName);
  if (!group) return usageError(io, `unknown command "${groupName}"`, mainUsage());
  if (commandName === undefined || commandName === '--help' || commandName === '-h') {
    io.out(groupUsage(group));
    return commandName === undefined ? 2 : 0;
  }
  const command = group.commands.find((candidate) => candidate.name === commandName);
  if (!command) return usageError(io, `unknown command "${group.name} ${commandName}"`, groupUsage(group));

  let context: CliContext | undefined;
  try {
    const input = parseCommand(command, [...rest], `gatehouse ${group.name} ${command.name}`);
    if (input.values['help']) {
      io.out(commandUsage(group, command));
      return 0;
    }
    const json = input.values['json'] === true;
    context = deps.openContext ? await deps.openContext(json) : await openCliContext(deps.env, io, json);
    await command.run(context, input);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) return usageError(io, error.message, `Run \`gatehouse ${group.name} ${command.name} --help\` for its options.\n`);
    if (error instanceof CliError) {
      io.err(`gatehouse: ${printableLines(error.message)}\n`);
      return error.exitCode;
    }
    // Store outages and anything unforeseen: one line, no stack trace, nothing secret.
    const e = error as { error_description?: string; message?: string; name?: string };
    io.err(`gatehouse: ${printableLines(e.name === 'StoreUnavailableError' ? storeProblem(error) : e.error_description ?? e.message ?? String(error))}\n`);
    return 1;
  } finally {
    if (context && !deps.openContext) await context.close().catch(() => {});
  }
}

/** What to tell an operator about a StoreUnavailableError: Redis full (its OOM reply) or not answering. */
function storeProblem(error: unknown): string {
  const cause = (error as { cause?: { message?: unknown } }).cause?.message;
  if (typeof cause === 'string' && cause.startsWith('OOM ')) {
    return 'the store (Redis) is full (maxmemory reached) and wrote nothing; free memory or raise maxmemory, then try again';
  }
  return 'the store (Redis) did not answer in time; try again';
}

/** Messages may quote what was typed or stored (an unknown option, a username): escaped, never raw. */
function usageError(io: CliIo, message: string, usage: string): number {
  io.err(`gatehouse: ${printableLines(message)}\n${usage}`);
  return 2;
}

export function mainUsage(): string {
  const width = Math.max(...GROUPS.map((group) => group.name.length));
  return [
    'Usage: gatehouse <group> <command> [options]',
    '',
    'Administers a Gatehouse deployment through its shared store: set REDIS_URL (or REDIS_CLUSTER_NODES,',
    'REDIS_SENTINELS) and the other variables exactly as the servers have them.',
    '',
    'Groups:',
    ...GROUPS.map((group) => `  ${group.name.padEnd(width)}  ${group.summary}`),
    '',
    'Run `gatehouse <group> --help` for its commands. Every command takes --json and --help.',
    '',
  ].join('\n');
}
