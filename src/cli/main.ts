import type { CliIo } from './cli-context.js';
import { promptHidden } from './prompt-hidden.js';
import { runCli } from './run-cli.js';

// Entry point of the `gatehouse` command (bin/gatehouse.js runs the compiled file on Node 24).

/** A shell's status for a writer whose pipe closed (128 + SIGPIPE, which Node ignores). */
const CLOSED_PIPE = 141;

// `gatehouse user list | head -1`: once the reader is gone there is no one left to tell, so stop
// at once, without a trace. A failing stdout is said in one line, as every other failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') process.stderr.write(`gatehouse: cannot write the output (${error.code ?? error.message})\n`);
  process.exit(error.code === 'EPIPE' ? CLOSED_PIPE : 1);
});
process.stderr.on('error', (error: NodeJS.ErrnoException) => process.exit(error.code === 'EPIPE' ? CLOSED_PIPE : 1));

const io: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  inputIsTerminal: process.stdin.isTTY === true,
  async readInput() {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  promptHidden: (prompt) => promptHidden(prompt, { input: process.stdin, output: process.stderr }),
};

process.exitCode = await runCli(process.argv.slice(2), { io, env: process.env });
