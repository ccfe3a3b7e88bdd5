import { CONTROL_CHARACTER, INVISIBLE_CHARACTER } from '../security/control-characters.js';

/**
 * What must not reach the terminal as it is: control characters (escape codes that recolour,
 * clear or retitle it), invisible formatting (bidi overrides) and Unicode line separators. A
 * stored value may hold them (written before they were refused, or straight into the store).
 */
const UNPRINTABLE = new RegExp(`${CONTROL_CHARACTER.source}|${INVISIBLE_CHARACTER.source}|[\\u2028\\u2029]`, 'gu');

/**
 * `text` with every unprintable character shown as a JSON-style escape (`\\u001b`), one per
 * UTF-16 unit, so the result is also valid inside a JSON string.
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (character) =>
    Array.from({ length: character.length }, (_, i) => `\\u${character.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''));
}

/** Like printable(), keeping the line breaks of a message of several lines. */
export function printableLines(text: string): string {
  return text.split('\n').map(printable).join('\n');
}

/** Aligned columns with a header row; empty cells show as "-". */
export function table(header: readonly string[], rows: readonly (readonly (string | undefined)[])[]): string {
  const cells = [header, ...rows.map((row) => row.map((cell) => (cell === undefined || cell === '' ? '-' : printable(cell))))];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column]!.length)));
  return `${cells.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell!.padEnd(widths[column]!))).join('  ')).join('\n')}\n`;
}

/** `label: value` lines, aligned; undefined values are left out, arrays joined by spaces. */
export function fields(entries: readonly (readonly [string, unknown])[]): string {
  const shown = entries.filter(([, value]) => value !== undefined && !(Array.isArray(value) && value.length === 0));
  const width = Math.max(...shown.map(([label]) => label.length)) + 1;
  return `${shown.map(([label, value]) => `${`${label}:`.padEnd(width)} ${printable(Array.isArray(value) ? value.join(' ') : String(value))}`).join('\n')}\n`;
}

export function isoTime(epochSeconds: number | undefined): string | undefined {
  return epochSeconds === undefined ? undefined : new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z');
}
