import { describe, expect, it } from '@jest/globals';
import { isoTime } from '../../src/observability/logger.js';

describe("the log lines' time field", () => {
  it('is what toISOString gives, for every millisecond across second, minute, day and year boundaries', () => {
    let now = 0;
    const time = isoTime(() => now);
    const starts = [Date.UTC(2026, 11, 31, 23, 59, 58), Date.UTC(2028, 1, 28, 23, 59, 59), Date.UTC(1999, 11, 31, 23, 59, 59), 0];
    for (const start of starts) {
      for (now = start; now < start + 2500; now++) {
        expect(time()).toBe(`,"time":"${new Date(now).toISOString()}"`);
      }
    }
  });

  it('follows the clock backwards too (the second is formatted again)', () => {
    let now = Date.UTC(2026, 5, 1, 12, 0, 1, 5);
    const time = isoTime(() => now);
    expect(time()).toBe(',"time":"2026-06-01T12:00:01.005Z"');
    now = Date.UTC(2026, 5, 1, 11, 59, 59, 999);
    expect(time()).toBe(',"time":"2026-06-01T11:59:59.999Z"');
  });
});
