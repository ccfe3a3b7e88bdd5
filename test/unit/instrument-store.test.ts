import { describe, expect, it } from '@jest/globals';
import { errors } from 'oidc-provider';
import type { StoreMetrics } from '../../src/observability/metrics.js';
import { instrumentStore } from '../../src/store/instrument-store.js';
import { createMemoryStore } from '../../src/store/memory/create-memory-store.js';
import type { Store } from '../../src/store/store.js';

function recorder() {
  const seen: { operation: string; outcome: string }[] = [];
  const metrics: StoreMetrics = { observe: (operation, _seconds, outcome) => seen.push({ operation, outcome }) };
  return { seen, metrics };
}

describe('the instrumented store', () => {
  it('times each operation by model and method, and still stores and finds', async () => {
    const { seen, metrics } = recorder();
    const store = instrumentStore(createMemoryStore(), metrics);
    const adapter = (store.adapterFactory as (name: string) => { upsert: (...a: unknown[]) => Promise<void>; find: (id: string) => Promise<unknown> })('Session');
    await adapter.upsert('s1', { uid: 'u1', kind: 'Session' }, 60);
    expect(await adapter.find('s1')).toMatchObject({ uid: 'u1' });
    expect(await store.accounts.findByUsername('nobody')).toBeUndefined();
    expect(seen).toEqual([
      { operation: 'Session.upsert', outcome: 'ok' },
      { operation: 'Session.find', outcome: 'ok' },
      { operation: 'accounts.findByUsername', outcome: 'ok' },
    ]);
    await store.close();
  });

  it('counts a storage failure as an error, and a protocol refusal (lost consume race) as an answer', async () => {
    const { seen, metrics } = recorder();
    class FlakyAdapter {
      readonly #name: string;
      constructor(name: string) {
        this.#name = name;
      }
      async find(): Promise<undefined> {
        throw new Error(`${this.#name}: connection reset`);
      }
      async consume(): Promise<void> {
        throw new errors.InvalidGrant('authorization code already consumed');
      }
    }
    const base: Store = { ...createMemoryStore(), adapterFactory: ((name: string) => new FlakyAdapter(name)) as never };
    const adapter = (instrumentStore(base, metrics).adapterFactory as unknown as (name: string) => FlakyAdapter)('AuthorizationCode');
    await expect(adapter.find()).rejects.toThrow('AuthorizationCode: connection reset');
    await expect(adapter.consume()).rejects.toMatchObject({ error: 'invalid_grant', error_detail: 'authorization code already consumed' });
    expect(seen).toEqual([
      { operation: 'AuthorizationCode.find', outcome: 'error' },
      { operation: 'AuthorizationCode.consume', outcome: 'ok' },
    ]);
  });
});
