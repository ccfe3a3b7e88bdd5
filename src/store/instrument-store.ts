import type { Adapter, AdapterFactory } from 'oidc-provider';
import type { StoreMetrics } from '../observability/metrics.js';
import type { Store } from './store.js';

const ADAPTER_METHODS = ['upsert', 'find', 'findByUid', 'findByUserCode', 'consume', 'destroy', 'revokeByGrantId'] as const;
const ACCOUNT_METHODS = ['findById', 'findByUsername', 'create', 'update', 'replaceIf', 'list', 'delete'] as const;

/**
 * The same store, with every operation through the port timed and counted. Whatever backs the
 * store (memory, Redis) is measured the same way; the operation name is "Model.method" or
 * "accounts.method", a bounded set. A protocol refusal (oidc-provider error with `expose`, such
 * as the loser of a consume race) is an answer, not a storage failure.
 */
export function instrumentStore(store: Store, metrics: StoreMetrics): Store {
  const adapterFactory: AdapterFactory = (name: string) => {
    const adapter = (store.adapterFactory as (name: string) => Adapter)(name);
    return wrap(adapter, ADAPTER_METHODS, name, metrics);
  };
  return {
    kind: store.kind,
    adapterFactory,
    accounts: wrap(store.accounts, ACCOUNT_METHODS, 'accounts', metrics),
    // Operator-driven or polled every few seconds: not worth a metric series of their own.
    clients: store.clients,
    resourceServers: store.resourceServers,
    keySet: store.keySet,
    replayCache: store.replayCache,
    redis: store.redis,
    ...(store.usage ? { usage: store.usage } : {}),
    ping: timed(() => store.ping(), 'ping', metrics),
    close: () => store.close(),
  };
}

function wrap<T extends object>(target: T, methods: readonly string[], prefix: string, metrics: StoreMetrics): T {
  // Every method is called on the original object (`this` stays the target: class methods with
  // private fields keep working); the port's own methods are timed.
  const wrapped: Record<string, unknown> = Object.create(target);
  for (const name of methodNames(target)) {
    const original = (target as Record<string, (...args: unknown[]) => unknown>)[name]!;
    wrapped[name] = methods.includes(name)
      ? timed((...args: unknown[]) => original.apply(target, args) as Promise<unknown>, `${prefix}.${name}`, metrics)
      : original.bind(target);
  }
  return wrapped as T;
}

function methodNames(target: object): Set<string> {
  const names = new Set<string>();
  for (let layer: object | null = target; layer && layer !== Object.prototype; layer = Object.getPrototypeOf(layer)) {
    for (const name of Object.getOwnPropertyNames(layer)) {
      if (name !== 'constructor' && typeof (target as Record<string, unknown>)[name] === 'function') names.add(name);
    }
  }
  return names;
}

function timed<A extends unknown[], R>(fn: (...args: A) => Promise<R>, operation: string, metrics: StoreMetrics) {
  return async (...args: A): Promise<R> => {
    const started = performance.now();
    let outcome: 'ok' | 'error' = 'ok';
    try {
      return await fn(...args);
    } catch (error) {
      if (!isProtocolAnswer(error)) outcome = 'error';
      throw error;
    } finally {
      metrics.observe(operation, (performance.now() - started) / 1000, outcome);
    }
  };
}

function isProtocolAnswer(error: unknown): boolean {
  const e = error as { expose?: boolean; statusCode?: number } | undefined;
  return e?.expose === true && (e.statusCode ?? 500) < 500;
}
