import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ClientMetadata } from 'oidc-provider';
import type { KeySetRecord } from '../../src/keys/key-set.js';
import type { ResourceServer } from '../../src/provider/resource-servers.js';
import type { Store } from '../../src/store/store.js';

/**
 * What the admin CLI and every running instance share through the store: registered clients,
 * resource servers and the signing key set. Run against each Store implementation.
 */
export function adminRecordsContract(open: () => Promise<Store>): void {
  let store: Store;
  beforeAll(async () => {
    store = await open();
  }, 30_000);
  afterAll(() => store?.close());

  const id = () => `c-${randomBytes(6).toString('hex')}`;

  describe('registered clients', () => {
    it('are the adapter\'s Client records: written by one side, found and listed by the other', async () => {
      const [a, b] = [id(), id()].sort();
      const metadata = (clientId: string): ClientMetadata => ({ client_id: clientId, redirect_uris: ['https://app.example.com/cb'] });
      await store.clients.save(metadata(a!));
      // As oidc-provider's dynamic registration writes them:
      await store.adapterFactory('Client').upsert(b!, { ...metadata(b!) }, undefined as unknown as number);

      expect(await store.adapterFactory('Client').find(a!)).toMatchObject({ client_id: a });
      const listed = (await store.clients.list()).map((client) => client.client_id);
      expect(listed.indexOf(a!)).toBeGreaterThanOrEqual(0);
      expect(listed.indexOf(b!)).toBeGreaterThan(listed.indexOf(a!));
      // Other models are not clients.
      const tokenId = id();
      await store.adapterFactory('AccessToken').upsert(tokenId, { jti: tokenId }, 60);
      expect((await store.clients.list()).map((client) => client.client_id)).not.toContain(tokenId);
    });

    it('are deleted once: the second delete reports nothing was there', async () => {
      const clientId = id();
      await store.clients.save({ client_id: clientId });
      expect(await store.clients.delete(clientId)).toBe(true);
      expect(await store.clients.find(clientId)).toBeUndefined();
      expect(await store.clients.delete(clientId)).toBe(false);
    });
  });

  describe('resource servers', () => {
    const server = (audience: string): ResourceServer => ({ audience, scopes: { 'x:read': 'Read x' }, accessTokenFormat: 'jwt', accessTokenTTL: 600 });

    it('are created once per audience, listed in order, and deleted', async () => {
      const [first, second] = [`https://b-${id()}.example`, `https://a-${id()}.example`];
      expect(await store.resourceServers.create(server(first))).toBe(true);
      expect(await store.resourceServers.create(server(second))).toBe(true);
      expect(await store.resourceServers.create({ ...server(first), accessTokenTTL: 60 })).toBe(false);
      const listed = await store.resourceServers.list();
      expect(listed.find((entry) => entry.audience === first)).toEqual(server(first));
      expect(listed.findIndex((entry) => entry.audience === second)).toBeLessThan(listed.findIndex((entry) => entry.audience === first));
      expect(await store.resourceServers.delete(first)).toBe(true);
      expect(await store.resourceServers.delete(first)).toBe(false);
    });
  });

  describe('the signing key set', () => {
    const record = (version: number): KeySetRecord => ({
      version,
      keys: [{ kid: `k${version}`, alg: 'ES256', publicJwk: { kty: 'EC' }, sealedPrivateJwk: 'v1.x.y.z', generation: version, createdAt: 1, activatesAt: 1 }],
    });

    it('is written only over the version the writer read (compare-and-set)', async () => {
      const before = await store.keySet.read();
      const base = before?.version ?? 0;
      expect(await store.keySet.write(record(base + 1), base)).toBe(true);
      // A writer that read the same version loses.
      expect(await store.keySet.write(record(base + 1), base)).toBe(false);
      expect(await store.keySet.read()).toEqual(record(base + 1));
      expect(await store.keySet.write(record(base + 2), base + 1)).toBe(true);
      expect((await store.keySet.read())?.keys[0]?.kid).toBe(`k${base + 2}`);
    });
  });
}
