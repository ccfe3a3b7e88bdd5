import { describe, expect, it } from '@jest/globals';
import { fields, printableLines, table } from '../../src/cli/output.js';

describe('what the CLI prints', () => {
  it('escapes control characters, invisible formatting and line breaks inside table cells, keeping the columns aligned', () => {
    const printed = table(['NAME', 'STATUS'], [['evil\u001b[31mred', 'active'], ['line\nbreak\u202e', 'x']]);
    expect(printed).toBe([
      'NAME                   STATUS',
      'evil\\u001b[31mred      active',
      'line\\u000abreak\\u202e  x',
      '',
    ].join('\n'));
  });

  it('escapes them in label: value lines too, including C1 controls and DEL', () => {
    expect(fields([['name', 'a\u009bb\u007fc'], ['tags', ['x\u0007', 'y']]])).toBe('name: a\\u009bb\\u007fc\ntags: x\\u0007 y\n');
  });

  it('keeps the line breaks of whole messages, and leaves ordinary text (any script, emoji) alone', () => {
    expect(printableLines('one\ntwo\u200b\n')).toBe('one\ntwo\\u200b\n');
    expect(printableLines('Zoë — 日本 — 👩‍💻')).toBe('Zoë — 日本 — 👩\\u200d💻');
  });
});
