import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { createKeySealer } from '../../src/keys/key-encryption.js';
import { rotateKeySet, seedKeySet, updateKeySet } from '../../src/keys/key-rotation.js';
import { generateSigningKeys, type PrivateJwks } from '../../src/keys/signing-keys.js';
import { createLogger } from '../../src/observability/logger.js';
import { captureLogs } from '../helpers/capture-logs.js';
import { startProviderRefresher } from '../../src/provider/provider-refresher.js';
import { createResourceServerRegistry } from '../../src/provider/resource-servers.js';
import { createMemoryStore } from '../../src/store/memory/create-memory-store.js';
import { StoreUnavailableError } from '../../src/store/store-errors.js';
import type Provider from 'oidc-provider';

const T0 = 1_800_000_000;

/** A refresher over a memory store whose "providers" record the JWKS they were built with. */
async function setup() {
  const store = createMemoryStore();
  const sealer = createKeySealer([randomBytes(32)]);
  await updateKeySet(store.keySet, async () => seedKeySet(await generateSigningKeys(), sealer, T0, 3600));
  const registry = createResourceServerRegistry([]);
  const built: PrivateJwks[] = [];
  let now = T0 * 1000;
  const refresher = await startProviderRefresher({
    store, sealer, registry, staticResourceServers: [], basePath: '', intervalMs: 60_000,
    logger: createLogger({ level: 'silent' }),
    now: () => now,
    async build(jwks) {
      built.push(jwks);
      return { middleware: [], jwks } as unknown as Provider;
    },
  });
  return { store, sealer, registry, built, refresher, advance: (seconds: number) => { now += seconds * 1000; } };
}

describe('the provider refresher', () => {
  it('builds a new provider only when the published keys or resource servers change', async () => {
    const { store, sealer, registry, built, refresher, advance } = await setup();
    expect(built).toHaveLength(1);
    await refresher.refresh();
    expect(built).toHaveLength(1);

    await updateKeySet(store.keySet, async (current) => (await rotateKeySet(current, { now: T0, activateIn: 60, algorithms: ['ES256'], sealer, maxTokenLifetime: 3600 })).draft);
    await refresher.refresh();
    expect(built).toHaveLength(2);
    // oidc-provider signs with the first key of an algorithm in the JWKS it was given.
    const signingEs = (jwks: PrivateJwks) => jwks.keys.find((key) => key.alg === 'ES256')!.kid;
    const oldEs = signingEs(built[0]!);
    // Published, not yet signing: the old ES256 key still comes first.
    expect(built[1]!.keys.filter((key) => key.alg === 'ES256')).toHaveLength(2);
    expect(signingEs(built[1]!)).toBe(oldEs);

    advance(60);
    await refresher.refresh();
    expect(built).toHaveLength(3);
    expect(signingEs(built[2]!)).not.toBe(oldEs);
    expect(built[2]!.keys.map((key) => key.kid)).toContain(oldEs);

    await store.resourceServers.create({ audience: 'https://api.example', scopes: { 'a:b': 'A' }, accessTokenFormat: 'jwt', accessTokenTTL: 600 });
    await refresher.refresh();
    expect(built).toHaveLength(4);
    expect(registry.get('https://api.example')).toBeDefined();
    expect(refresher.host.current()).toMatchObject({ jwks: built[3] });
    refresher.stop();
  });

  it('warns about a registered resource server that configuration hides (same audience), and names it', async () => {
    const store = createMemoryStore();
    const sealer = createKeySealer([randomBytes(32)]);
    await updateKeySet(store.keySet, async () => seedKeySet(await generateSigningKeys(), sealer, T0, 3600));
    // Registered as `https://dup.example` before audiences were normalised, beside a static `https://dup.example/`.
    await store.resourceServers.create({ audience: 'https://dup.example', scopes: { 'dup:stored': 'S' }, accessTokenFormat: 'opaque', accessTokenTTL: 600 });
    await store.resourceServers.create({ audience: 'https://other.example', scopes: { 'other:x': 'O' }, accessTokenFormat: 'opaque', accessTokenTTL: 600 });
    const { logger, lines } = captureLogs('info');
    const refresher = await startProviderRefresher({
      store, sealer, registry: createResourceServerRegistry([]), basePath: '', intervalMs: 60_000, logger,
      staticResourceServers: [{ audience: 'https://dup.example', scopes: { 'dup:static': 'T' }, accessTokenFormat: 'opaque', accessTokenTTL: 600 }],
      async build(jwks) {
        return { middleware: [], jwks } as unknown as Provider;
      },
    });
    refresher.stop();

    const warnings = lines.map((line) => JSON.parse(line) as { level: number; audiences?: string[]; msg: string }).filter((line) => line.level === 40);
    expect(warnings).toEqual([expect.objectContaining({ audiences: ['https://dup.example'], msg: expect.stringContaining('gatehouse resource delete') })]);
  });

  it('writes the key set it last read back into a store that lost it, rather than leave it to be seeded anew', async () => {
    const { store, sealer, built, refresher } = await setup();
    await updateKeySet(store.keySet, async (current) => (await rotateKeySet(current, { now: T0, activateIn: 0, algorithms: ['ES256', 'RS256'], sealer, maxTokenLifetime: 3600 })).draft);
    await refresher.refresh();
    const inUse = (await store.keySet.read())!.keys.map((key) => key.kid);

    const emptied = createMemoryStore();
    store.keySet.read = () => emptied.keySet.read();
    store.keySet.write = (next, expected) => emptied.keySet.write(next, expected);
    await refresher.refresh();
    expect((await emptied.keySet.read())?.keys.map((key) => key.kid)).toEqual(inUse);
    expect(built).toHaveLength(2);
    refresher.stop();
  });

  it('keeps serving with the current provider while the store is unreachable', async () => {
    const { store, built, refresher } = await setup();
    const current = refresher.host.current();
    store.keySet.read = async () => { throw new StoreUnavailableError(); };
    await refresher.refresh();
    expect(refresher.host.current()).toBe(current);
    expect(built).toHaveLength(1);
    refresher.stop();
  });
});
