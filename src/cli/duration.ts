import { UsageError } from './command.js';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** "90", "90s", "5m", "12h", "7d" -> seconds, within [min, max]; otherwise a UsageError naming the option. */
export function parseDuration(option: string, raw: string, bounds: { min: number; max: number }): number {
  const match = /^(\d+)([smhd]?)$/.exec(raw.trim());
  const seconds = match ? Number(match[1]) * UNITS[match[2] || 's']! : Number.NaN;
  if (!Number.isSafeInteger(seconds) || seconds < bounds.min || seconds > bounds.max) {
    throw new UsageError(`--${option} must be a duration like 90s, 5m, 12h or 7d, from ${formatDuration(bounds.min)} to ${formatDuration(bounds.max)} (got "${raw}")`);
  }
  return seconds;
}

export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60]] as const) {
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}
