/** Aligned columns with a header row; empty cells show as "-". */
export function table(header: readonly string[], rows: readonly (readonly (string | undefined)[])[]): string {
  const cells = [header, ...rows.map((row) => row.map((cell) => (cell === undefined || cell === '' ? '-' : cell)))];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column]!.length)));
  return `${cells.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell!.padEnd(widths[column]!))).join('  ')).join('\n')}\n`;
}

/** `label: value` lines, aligned; undefined values are left out, arrays joined by spaces. */
export function fields(entries: readonly (readonly [string, unknown])[]): string {
  const shown = entries.filter(([, value]) => value !== undefined && !(Array.isArray(value) && value.length === 0));
  const width = Math.max(...shown.map(([label]) => label.length)) + 1;
  return `${shown.map(([label, value]) => `${`${label}:`.padEnd(width)} ${Array.isArray(value) ? value.join(' ') : String(value)}`).join('\n')}\n`;
}

export function isoTime(epochSeconds: number | undefined): string | undefined {
  return epochSeconds === undefined ? undefined : new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z');
}
