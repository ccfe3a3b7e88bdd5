import type { Adapter, AdapterFactory, AdapterPayload, ClientMetadata } from 'oidc-provider';

/**
 * Registered clients: those the admin CLI creates and those registered dynamically (RFC 7591).
 * They are oidc-provider's own `Client` adapter records, so a running server's Client.find sees a
 * change on its next lookup. Static clients (configuration files) are not here: they are read-only.
 */
export interface ClientRepository {
  /** Sorted by client_id. */
  list(): Promise<ClientMetadata[]>;
  find(clientId: string): Promise<ClientMetadata | undefined>;
  /** Creates or replaces the record (metadata already validated by oidc-provider's schema). */
  save(metadata: ClientMetadata): Promise<void>;
  delete(clientId: string): Promise<boolean>;
}

/**
 * A ClientRepository over the store's oidc-provider adapter; `listIds` is the store's index of
 * `Client` records (the adapter interface has no listing).
 */
export function createAdapterClientRepository(adapterFactory: AdapterFactory, listIds: () => Promise<string[]>): ClientRepository {
  const adapter: Adapter = adapterFactory('Client');
  const find = async (clientId: string) => (await adapter.find(clientId)) as ClientMetadata | undefined;
  return {
    async list() {
      const ids = (await listIds()).sort();
      const found = await Promise.all(ids.map(find));
      return found.filter((client): client is ClientMetadata => client !== undefined);
    },
    find,
    async save(metadata) {
      // As oidc-provider stores clients itself: without an expiry.
      await adapter.upsert(metadata.client_id, metadata as AdapterPayload, undefined as unknown as number);
    },
    async delete(clientId) {
      if (!(await adapter.find(clientId))) return false;
      await adapter.destroy(clientId);
      return true;
    },
  };
}
