import { describe, expect, it } from '@jest/globals';
import { parseCommand, UsageError, type CommandSpec } from '../../src/cli/command.js';

const show: CommandSpec = { name: 'show', summary: 'Show one client.', args: ['ID'], async run() {} };

describe('gatehouse command-line arguments', () => {
  it('take an id that begins with "-" after --', () => {
    expect(parseCommand(show, ['--', '-1ylo'], 'gatehouse client show').args).toEqual(['-1ylo']);
  });

  it('say how to pass such an id when it is taken for an option', () => {
    expect(() => parseCommand(show, ['-1ylo'], 'gatehouse client show')).toThrow(UsageError);
    expect(() => parseCommand(show, ['-1ylo'], 'gatehouse client show')).toThrow(/goes after --/);
  });

  it('name the command that was run in that hint, and give it only where the command takes an argument', () => {
    const key: CommandSpec = { name: 'retire', summary: 'Retire a key.', args: ['KID'], async run() {} };
    expect(() => parseCommand(key, ['-x'], 'gatehouse keys retire')).toThrow('e.g. gatehouse keys retire -- -x');
    const create: CommandSpec = { name: 'create', summary: 'Create one.', async run() {} };
    expect(() => parseCommand(create, ['--bogus'], 'gatehouse client create')).toThrow(/^unknown option --bogus$/);
  });
});

describe('gatehouse option values', () => {
  const create: CommandSpec = {
    name: 'create', summary: 'Create one.', async run() {},
    options: { name: { type: 'string', description: 'a name' }, 'redirect-uri': { type: 'string', multiple: true, description: 'a URL' } },
  };

  it('refuse control characters (C0, DEL, C1): they would reach terminals, pages and logs as they are', () => {
    for (const value of ['evil\u001b[31mred', 'nul\u0000', 'tab\there', 'del\u007f', 'csi\u009b31m']) {
      expect(() => parseCommand(create, ['--name', value], 'gatehouse client create')).toThrow(UsageError);
      expect(() => parseCommand(create, ['--name', value], 'gatehouse client create')).toThrow('--name must not contain control characters');
    }
    expect(() => parseCommand(create, ['--redirect-uri', 'https://a.example/cb', '--redirect-uri', 'https://a.example/\r\ncb'], 'gatehouse client create'))
      .toThrow('--redirect-uri must not contain control characters');
  });

  it('take any other text, and leave arguments (which name what exists) to the command', () => {
    expect(parseCommand(create, ['--name', 'Zoë’s app — ünïcode 日本'], 'gatehouse client create').values['name']).toBe('Zoë’s app — ünïcode 日本');
    expect(parseCommand(show, ['old\u001bid'], 'gatehouse client show').args).toEqual(['old\u001bid']);
  });
});
