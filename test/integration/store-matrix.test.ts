import { expect, it } from '@jest/globals';
import { startTestGatehouse } from '../helpers/start-gatehouse.js';

// The flow suite runs once per store (jest.config.js projects); this proves each run really
// uses its store, so a broken matrix cannot pass as three runs on the embedded one.
it('runs on the store its test project names, and reports it ready', async () => {
  const expected = (globalThis as { gatehouseTestStore?: string }).gatehouseTestStore ?? 'memory';
  const server = await startTestGatehouse();
  try {
    expect(server.store).toBe(expected);
    const ready = await fetch(`${server.issuer}/readyz`);
    expect(await ready.json()).toMatchObject({ status: 'ready', store: expected === 'memory' ? 'memory' : 'redis', storeReady: true });
  } finally {
    await server.close();
  }
});
