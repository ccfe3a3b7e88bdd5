import { describe, expect, it } from '@jest/globals';
import { parseCommand, UsageError, type CommandSpec } from '../../src/cli/command.js';

const show: CommandSpec = { name: 'show', summary: 'Show one client.', args: ['ID'], async run() {} };

describe('gatehouse command-line arguments', () => {
  it('take an id that begins with "-" after --', () => {
    expect(parseCommand(show, ['--', '-1ylo']).args).toEqual(['-1ylo']);
  });

  it('say how to pass such an id when it is taken for an option', () => {
    expect(() => parseCommand(show, ['-1ylo'])).toThrow(UsageError);
    expect(() => parseCommand(show, ['-1ylo'])).toThrow(/goes after --/);
  });
});
