/** The q-quantile of `values` (0 ≤ q ≤ 1), interpolated between the two nearest when it falls between them. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

/** The middle value; for an even count, the mean of the two middle ones. */
export const median = (values: readonly number[]): number => quantile(values, 0.5);

/** `value` rounded to `digits` decimal places. */
export const roundTo = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;
