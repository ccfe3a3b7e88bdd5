import type Koa from 'koa';
import mount from 'koa-mount';
import type Provider from 'oidc-provider';

/**
 * Holds the provider that serves requests and swaps it atomically: oidc-provider takes its
 * signing keys and scopes at construction, so new ones mean a new Provider. A request that
 * started on the old one finishes on it; every later request gets the new one. Nothing else is
 * lost in the swap: sessions, grants and tokens live in the store, and cookie keys do not change.
 */
export interface ProviderHost {
  current(): Provider;
  /** Mounts whichever provider is current at the issuer's path. */
  middleware(): Koa.Middleware;
  replace(next: Provider): void;
}

export function createProviderHost(initial: Provider, basePath: string): ProviderHost {
  const mountProvider = (provider: Provider): Koa.Middleware =>
    // The mount path must equal the issuer's path.
    (basePath ? mount(basePath, provider) : mount(provider)) as Koa.Middleware;
  let provider = initial;
  let mounted = mountProvider(initial);
  return {
    current: () => provider,
    middleware: () => function currentProvider(ctx, next) {
      return mounted(ctx, next);
    },
    replace(next) {
      provider = next;
      mounted = mountProvider(next);
    },
  };
}
