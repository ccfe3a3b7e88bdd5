import type { Configuration } from 'oidc-provider';
import type { NodeEnv } from '../config/load-config.js';

/**
 * The one place where oidc-provider's outgoing requests (back-channel logout, a client's
 * jwks_uri) are allowed to reach loopback and private addresses.
 *
 * Since 9.13 oidc-provider refuses to connect to special-use addresses (SSRF protection) by
 * handing its own `dispatcher` to `fetch`. Relying parties on a developer's machine and in our
 * tests live on localhost, so in development and test only we drop that dispatcher. In
 * production this returns undefined: the provider keeps its default fetch and its protection.
 */
export function developmentLoopbackFetch(env: NodeEnv): Configuration['fetch'] {
  if (env !== 'development' && env !== 'test') return undefined;
  return (url, init) => {
    const { dispatcher: _refuseSpecialUseAddresses, ...rest } = (init ?? {}) as RequestInit & { dispatcher?: unknown };
    return fetch(url, rest);
  };
}
