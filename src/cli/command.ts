import { parseArgs } from 'node:util';
import { CONTROL_CHARACTER } from '../security/control-characters.js';
import type { CliContext } from './cli-context.js';

/** What the operator got wrong or what cannot be done; printed without a stack trace. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'CliError';
  }
}

/** Bad command-line input: exit code 2, and the usage line is shown. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  /** Shown in the help: `--name NAME`. */
  value?: string;
  description: string;
  required?: boolean;
}

export type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

export interface CommandSpec {
  name: string;
  summary: string;
  /** Positional arguments, all required, e.g. ['ID']. */
  args?: readonly string[];
  options?: Record<string, OptionSpec>;
  /** More help text after the options. */
  details?: string;
  /** Whether the command needs the store (all but help-like commands). */
  run(context: CliContext, input: { args: string[]; values: Values }): Promise<void>;
}

export interface CommandGroup {
  name: string;
  summary: string;
  commands: readonly CommandSpec[];
}

/** Every command takes these. */
export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  json: { type: 'boolean', description: 'print the result as JSON (for scripts)' },
  help: { type: 'boolean', description: 'show this help' },
};

/**
 * Parses `argv` for `command`, run as `invocation` (`gatehouse client show`); throws UsageError
 * with a message worded for the operator.
 */
export function parseCommand(command: CommandSpec, argv: string[], invocation: string): { args: string[]; values: Values } {
  const options = { ...command.options, ...COMMON_OPTIONS };
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: Object.fromEntries(Object.entries(options).map(([name, spec]) => [name, { type: spec.type, multiple: spec.multiple ?? false }])),
      allowPositionals: true,
      allowNegative: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(describeParseError(error, command, invocation));
  }
  const values = parsed.values as Values;
  if (values['help']) return { args: parsed.positionals, values };
  // What an option sets is stored and shown: on pages, in logs, in this command's own listings.
  // Arguments are left alone: they name what exists, and a bad record must stay reachable.
  for (const [name, value] of Object.entries(values)) {
    if ([value].flat().some((item) => typeof item === 'string' && CONTROL_CHARACTER.test(item))) {
      throw new UsageError(`--${name} must not contain control characters (such as escape codes, tabs or line breaks)`);
    }
  }

  const expected = command.args ?? [];
  if (parsed.positionals.length < expected.length) {
    throw new UsageError(`missing ${expected.slice(parsed.positionals.length).join(' ')}`);
  }
  if (parsed.positionals.length > expected.length) {
    throw new UsageError(`unexpected argument "${parsed.positionals[expected.length]}"`);
  }
  for (const [name, spec] of Object.entries(options)) {
    if (spec.required && (values[name] === undefined || (Array.isArray(values[name]) && values[name].length === 0))) {
      throw new UsageError(`--${name} is required`);
    }
  }
  return { args: parsed.positionals, values };
}

function describeParseError(error: unknown, command: CommandSpec, invocation: string): string {
  const e = error as { code?: string; message?: string };
  const option = /'(-[^' ]+)/.exec(e.message ?? '')?.[1];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      // An id may begin with "-" (clients registered by older versions): `--` ends the options.
      // Only a command that takes arguments gets that hint, in the words of the command run.
      return (command.args ?? []).length === 0 ? `unknown option ${option ?? ''}`
        : `unknown option ${option ?? ''} (an argument that begins with "-" goes after --, e.g. ${invocation} -- ${option ?? `-${command.args![0]}`})`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': return (e.message ?? 'invalid option value').replace(/^Option '([^']+)' argument missing$/, '$1 needs a value');
    default: return e.message ?? 'invalid arguments';
  }
}

export function commandUsage(group: CommandGroup, command: CommandSpec): string {
  const options = Object.entries({ ...command.options, ...COMMON_OPTIONS });
  const head = `gatehouse ${group.name} ${command.name}${(command.args ?? []).map((arg) => ` ${arg}`).join('')}`;
  const flags = options.map(([name, spec]) => flagText(name, spec));
  const width = Math.max(...flags.map((flag) => flag.length));
  const lines = [
    `Usage: ${head} [options]`,
    '',
    command.summary,
    '',
    'Options:',
    ...options.map(([, spec], index) => `  ${flags[index]!.padEnd(width)}  ${spec.description}${spec.required ? ' (required)' : ''}`),
  ];
  if (command.details) lines.push('', command.details);
  return `${lines.join('\n')}\n`;
}

export function groupUsage(group: CommandGroup): string {
  const width = Math.max(...group.commands.map((command) => command.name.length));
  return [
    `Usage: gatehouse ${group.name} <command> [options]`,
    '',
    group.summary,
    '',
    'Commands:',
    ...group.commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    `Run \`gatehouse ${group.name} <command> --help\` for a command's options.`,
    '',
  ].join('\n');
}

function flagText(name: string, spec: OptionSpec): string {
  const value = spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : '';
  return `--${name}${value}${spec.multiple ? ' ...' : ''}`;
}
