import type { CliIo } from './cli-context.js';
import { promptHidden } from './prompt-hidden.js';
import { runCli } from './run-cli.js';

// Entry point of the `gatehouse` command (bin/gatehouse.js runs the compiled file on Node 24).
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
