import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { CliError } from './command.js';

/** The terminal a prompt talks to: process.stdin and process.stderr, or a test's streams. */
export interface PromptTerminal {
  input: NodeJS.ReadableStream;
  output: { write(text: string): unknown };
}

/** What a shell reports for a command stopped by Ctrl-C (128 + SIGINT). */
const INTERRUPTED = 130;

/**
 * Asks on the terminal without echoing what is typed; the newline the user ends with is shown.
 * In raw mode Ctrl-C is a key, not a signal: readline turns it into a 'SIGINT' event (which, with
 * no listener, only pauses input) and closes on Ctrl-D without answering. Both settle the prompt
 * here, so the command ends and closes its store connection instead of waiting forever.
 */
export function promptHidden(prompt: string, { input, output }: PromptTerminal): Promise<string> {
  output.write(prompt);
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const reader = createInterface({ input, output: silent, terminal: true });
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      reader.close();
      output.write('\n');
      outcome();
    };
    reader.on('SIGINT', () => settle(() => reject(new CliError('cancelled', INTERRUPTED))));
    reader.on('close', () => settle(() => reject(new CliError('no password was typed: the input ended (Ctrl-D)'))));
    reader.question('', (answer) => settle(() => resolve(answer)));
  });
}
