import { afterAll, beforeAll } from '@jest/globals';
import type * as client from 'openid-client';
import { discoverClient } from './oauth.js';
import { startTestGatehouse, type TestGatehouse } from './start-gatehouse.js';

/** A registered client as discovery needs it, e.g. DEMO_CONFIDENTIAL or DEMO_PUBLIC (oauth.ts). */
export interface ClientCredentials {
  id: string;
  secret?: string;
}

export interface UsedGatehouse<Name extends string> {
  /** The running server, as startTestGatehouse returns it. */
  server: TestGatehouse;
  /** An openid-client relying party per name asked for, configured by discovery against `server`. */
  clients: Record<Name, client.Configuration>;
}

/**
 * In a test file or describe block: a Gatehouse for its tests, started in beforeAll (with `env`)
 * and closed in afterAll, and an openid-client discovered for each of `clients`.
 *
 * The returned objects are filled in by that beforeAll: read them in tests and later hooks, not
 * while the file loads. Hooks the caller registers after this call run after the server is up.
 */
export function useGatehouse<Name extends string = never>(
  options: { env?: Record<string, string>; clients?: Record<Name, ClientCredentials> } = {},
): UsedGatehouse<Name> {
  const server = {} as TestGatehouse;
  const clients = {} as Record<Name, client.Configuration>;
  let started: TestGatehouse | undefined;
  beforeAll(async () => {
    started = await startTestGatehouse(options.env);
    // A plain object whose close() needs no `this`: its fields can be copied onto the one handed out.
    Object.assign(server, started);
    for (const [name, credentials] of Object.entries(options.clients ?? {}) as [Name, ClientCredentials][]) {
      clients[name] = await discoverClient(started.issuer, credentials.id, credentials.secret);
    }
  });
  afterAll(() => started?.close());
  return { server, clients };
}
