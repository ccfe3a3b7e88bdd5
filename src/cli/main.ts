import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { CliIo } from './cli-context.js';
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
  promptHidden(prompt) {
    process.stderr.write(prompt);
    // Echo nothing of what is typed; the newline the user ends with is shown.
    const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
    const reader = createInterface({ input: process.stdin, output: silent, terminal: true });
    return new Promise((resolve) => {
      reader.question('', (answer) => {
        reader.close();
        process.stderr.write('\n');
        resolve(answer);
      });
    });
  },
};

process.exitCode = await runCli(process.argv.slice(2), { io, env: process.env });
