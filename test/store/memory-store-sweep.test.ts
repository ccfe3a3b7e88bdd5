import { describe, expect, it } from '@jest/globals';
import { MemoryModelTable } from '../../src/store/memory/memory-adapter.js';

/**
 * The embedded store drops expired records on a timer. It does so in slices, so that a sweep of
 * a large table never stops the server answering requests for the whole of it.
 */
describe('the embedded store\'s periodic sweep', () => {
  const START = Date.parse('2026-12-06T12:00:00Z');

  function tableWith(expiring: number, lasting: number) {
    let now = START;
    const table = new MemoryModelTable({ now: () => now });
    for (let i = 0; i < expiring; i++) table.upsert('ClientCredentials', `short-${i}`, { jti: `short-${i}` }, 60);
    for (let i = 0; i < lasting; i++) table.upsert('ClientCredentials', `long-${i}`, { jti: `long-${i}` }, 3600);
    return { table, advance: (ms: number) => { now += ms; } };
  }

  it('drops the expired records and keeps the live ones', async () => {
    const { table, advance } = tableWith(500, 300);
    advance(61_000);

    await table.sweepInSlices();
    expect(table.size).toBe(300);
    expect(table.usage().records).toBe(300);
    expect(table.find('ClientCredentials', 'long-0')).toMatchObject({ jti: 'long-0' });
  });

  it('lets other work run while it sweeps a large table, and finishes the sweep', async () => {
    const { table, advance } = tableWith(60_000, 1_000);
    advance(61_000);

    let sizeSeenMeanwhile: number | undefined;
    setImmediate(() => {
      sizeSeenMeanwhile = table.size;
    });
    await table.sweepInSlices();

    expect(sizeSeenMeanwhile).toBeGreaterThan(1_000);
    expect(sizeSeenMeanwhile).toBeLessThan(61_000);
    expect(table.size).toBe(1_000);
  });

  it('runs one sweep at a time', async () => {
    const { table, advance } = tableWith(30_000, 0);
    advance(61_000);

    const first = table.sweepInSlices();
    expect(table.sweepInSlices()).toBe(first);
    await first;
    expect(table.size).toBe(0);
  });
});
