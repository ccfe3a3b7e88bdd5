import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import type { AdapterPayload } from 'oidc-provider';
import { MemoryModelTable } from '../../src/store/memory/memory-adapter.js';
import { StoreUnavailableError } from '../../src/store/store-errors.js';
import { demoClientAuth, expectTemporarilyUnavailable, introspect, issueTokensUntilRefused } from '../helpers/fill-store.js';
import { DEMO_CONFIDENTIAL, signIn } from '../helpers/oauth.js';
import { Browser, type Page } from '../helpers/browser.js';
import { authorizationUrl, looksLikeStackTrace, pkcePair, postForm } from '../helpers/requests.js';
import { useGatehouse } from '../helpers/use-gatehouse.js';

/**
 * The embedded store keeps every record until it expires. Without a bound, tokens issued faster
 * than they expire (or authorization requests from anyone: each one stores an interaction) grow
 * the heap until V8 ends the process, and every session and token with it. Bounded, a full store
 * refuses new records with 503, as Redis at maxmemory does, and keeps serving what it holds.
 */
describe('the embedded store has a size bound', () => {
  const token = (jti: string, extra: Partial<AdapterPayload> = {}): AdapterPayload => ({ jti, clientId: 'client-1', kind: 'ClientCredentials', scope: 'api:read', ...extra });

  /** Adds records until one is refused; returns the ids taken and the refusal. */
  function fill(table: MemoryModelTable, model = 'ClientCredentials', ttlSeconds = 3600): { ids: string[]; refusal: unknown } {
    const ids: string[] = [];
    for (let attempt = 0; attempt < 100_000; attempt++) {
      const id = randomUUID();
      try {
        table.upsert(model, id, token(id), ttlSeconds);
      } catch (refusal) {
        return { ids, refusal };
      }
      ids.push(id);
    }
    throw new Error('the table never refused a record');
  }

  it('refuses a new record past the bound with 503 temporarily_unavailable, and keeps every record it holds', () => {
    const table = new MemoryModelTable({ maxBytes: 64 * 1024 });
    const { ids, refusal } = fill(table);

    expect(ids.length).toBeGreaterThan(50);
    expect(table.usage().bytes).toBeLessThanOrEqual(64 * 1024);
    expect(refusal).toBeInstanceOf(StoreUnavailableError);
    expect(refusal).toMatchObject({ statusCode: 503, expose: true, error: 'temporarily_unavailable' });
    for (const id of ids) expect(table.find('ClientCredentials', id)).toMatchObject({ jti: id });
  });

  it('still rewrites the records it holds (a sign-in records its steps)', () => {
    const table = new MemoryModelTable({ maxBytes: 64 * 1024 });
    const { ids } = fill(table, 'Interaction');
    const interaction = ids[0]!;

    table.upsert('Interaction', interaction, token(interaction, { result: { login: { accountId: 'demo' } } }), 600);
    expect(table.find('Interaction', interaction)).toMatchObject({ result: { login: { accountId: 'demo' } } });
  });

  it('uses up a code only with room for the tokens it turns into: refused, the code stays good for a retry', () => {
    const table = new MemoryModelTable({ maxBytes: 64 * 1024 });
    const { ids } = fill(table, 'AuthorizationCode');
    const code = ids[0]!;

    expect(() => table.consume('AuthorizationCode', code)).toThrow(StoreUnavailableError);
    expect(table.find('AuthorizationCode', code)?.consumed).toBeUndefined();

    for (const id of ids.slice(1, 40)) table.destroy('AuthorizationCode', id);
    table.consume('AuthorizationCode', code);
    // A second redemption is the protocol's refusal (invalid_grant), not a storage one.
    expect(() => table.consume('AuthorizationCode', code)).toThrow(expect.objectContaining({ error: 'invalid_grant' }));
  });

  it('takes new records again once records are deleted', () => {
    const table = new MemoryModelTable({ maxBytes: 64 * 1024 });
    const { ids } = fill(table);

    table.destroy('ClientCredentials', ids[0]!);
    const fresh = randomUUID();
    table.upsert('ClientCredentials', fresh, token(fresh), 3600);
    expect(table.find('ClientCredentials', fresh)).toMatchObject({ jti: fresh });
  });

  it('takes new records again once records expire, without waiting for the periodic sweep', () => {
    let now = Date.parse('2026-12-06T12:00:00Z');
    const table = new MemoryModelTable({ maxBytes: 64 * 1024, now: () => now });
    const { ids } = fill(table, 'ClientCredentials', 60);
    now += 61_000;

    const fresh = randomUUID();
    table.upsert('ClientCredentials', fresh, token(fresh), 60);
    expect(table.find('ClientCredentials', fresh)).toMatchObject({ jti: fresh });
    expect(table.size).toBe(1);
    expect(table.find('ClientCredentials', ids[0]!)).toBeUndefined();
  });

  it('refuses a replay marker it cannot record, rather than answer "not seen" and let a replay through', () => {
    const table = new MemoryModelTable({ maxBytes: 64 * 1024 });
    const { ids } = fill(table);

    expect(() => table.find('ReplayDetection', 'jti-of-a-dpop-proof')).toThrow(StoreUnavailableError);
    table.destroy('ClientCredentials', ids[0]!);
    expect(table.find('ReplayDetection', 'jti-of-a-dpop-proof')).toBeUndefined();
    expect(table.find('ReplayDetection', 'jti-of-a-dpop-proof')).toBeDefined();
  });

  it('reports each refusal with the table\'s size, for the warning in the log', () => {
    const reports: { bytes: number; maxBytes: number; records: number }[] = [];
    const table = new MemoryModelTable({ maxBytes: 64 * 1024, onFull: (usage) => reports.push(usage) });
    const { ids } = fill(table);

    expect(reports).toEqual([{ bytes: table.usage().bytes, maxBytes: 64 * 1024, records: ids.length }]);
  });
});

describe('a server whose embedded store is full (MEMORY_STORE_MAX_MB=1)', () => {
  const { server, clients } = useGatehouse({ env: { MEMORY_STORE_MAX_MB: '1' }, clients: { confidential: DEMO_CONFIDENTIAL } });
  const authorizationRequest = async () => authorizationUrl(server.issuer, { code_challenge: (await pkcePair()).challenge, code_challenge_method: 'S256' });

  /** A page as a browser asks for it (Accept: text/html), without following redirects. */
  async function openPage(url: string | URL): Promise<Pick<Page, 'status' | 'headers' | 'html'>> {
    const response = await fetch(url, { redirect: 'manual', headers: { accept: 'text/html' } });
    return { status: response.status, headers: response.headers, html: await response.text() };
  }

  async function storeGauges(): Promise<{ bytes: number; max: number; records: number }> {
    const text = await (await fetch(`${server.issuer}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^gatehouse_memory_store_${name} (\\d+)$`, 'm').exec(text)?.[1]);
    return { bytes: value('bytes'), max: value('max_bytes'), records: value('records') };
  }

  function expectUnavailablePage(page: Pick<Page, 'status' | 'headers' | 'html'>) {
    expect({ status: page.status, type: page.headers.get('content-type') }).toEqual({ status: 503, type: expect.stringContaining('text/html') });
    expect(page.html).toContain('Temporarily unavailable');
    expect(looksLikeStackTrace(page.html)).toBe(false);
  }

  it('answers new tokens and sign-ins 503, keeps honouring the tokens it issued, and stays up', async () => {
    // Before the store fills up: a user signed in (with a refresh token), and another one at the login page.
    const { tokens } = await signIn(clients.confidential, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid offline_access', extra: { prompt: 'consent' } });
    const browser = new Browser();
    const login = await browser.open(await authorizationRequest());
    expect(login.status).toBe(200);

    // /metrics shows how full it is, so that an alert can come before the refusals.
    const before = await storeGauges();
    expect(before.max).toBe(1024 * 1024);
    expect(before.bytes).toBeGreaterThan(0);

    // Opaque tokens are stored: about 2,000 fill a megabyte.
    const { issued, refused } = await issueTokensUntilRefused(server.issuer);
    expect(issued.length).toBeGreaterThan(500);
    await expectTemporarilyUnavailable(refused);
    const full = await storeGauges();
    expect(full.bytes).toBeGreaterThan(0.95 * full.max);
    expect(full.records).toBeGreaterThanOrEqual(before.records + issued.length);
    // What it holds still works: the first token introspects as active.
    expect(await introspect(server.issuer, issued[0]!)).toMatchObject({ active: true, client_id: DEMO_CONFIDENTIAL.id });

    // A new sign-in needs a new interaction, the one under way a new session, the device code
    // entry page a session too: the friendly 503 page.
    expectUnavailablePage(await openPage(await authorizationRequest()));
    expectUnavailablePage(await openPage(`${server.issuer}/oauth/device`));
    expectUnavailablePage(await browser.submit(login, '/login', { username: 'demo', password: 'demo' }));

    // Refreshing needs room for new tokens: 503, and the refresh token is not spent. Once some
    // records are gone (here revoked), the same refresh token works.
    const refresh = () => postForm(`${server.issuer}/oauth/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }, demoClientAuth);
    await expectTemporarilyUnavailable(await refresh());
    for (const token of issued.slice(0, 40)) await postForm(`${server.issuer}/oauth/revoke`, { token }, demoClientAuth);
    expect((await refresh()).status).toBe(200);

    expect((await fetch(`${server.issuer}/healthz`)).status).toBe(200);
    // Said once as a warning, not as an error per refused request.
    const lines = server.logs.map((line) => JSON.parse(line) as { level: number; msg: string; maxMegabytes?: number });
    expect(lines.filter((line) => line.msg.startsWith('the embedded store is full'))).toEqual([expect.objectContaining({ level: 40, maxMegabytes: 1 })]);
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
  });
});
