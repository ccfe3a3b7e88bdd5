import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { runCli } from '../../src/cli/run-cli.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/observability/logger.js';
import { createRedisStore } from '../../src/store/redis/create-redis-store.js';
import { StoreUnavailableError } from '../../src/store/store-errors.js';
import type { Store } from '../../src/store/store.js';
import { demoClientAuth, expectTemporarilyUnavailable, introspect, issueTokensUntilRefused } from '../helpers/fill-store.js';
import { DEMO_CONFIDENTIAL } from '../helpers/oauth.js';
import { redisCli, startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { postForm } from '../helpers/requests.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/start-gatehouse.js';
import { describeWithRedis } from '../helpers/test-stores.js';

/**
 * Redis at its maxmemory with noeviction (the policy the boot check asks for) refuses writes
 * with an OOM error. New tokens then get 503, nothing of a refused record is written, what is
 * stored keeps working, and once Redis has room again tokens are issued without a restart.
 */
describeWithRedis('when Redis is full (maxmemory, noeviction)', 'redis-server-binary', () => {
  let redis: RedisServer;
  let server: TestGatehouse;
  let store: Store;
  const code = randomUUID();
  const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await redisCli(redis.port, 'INFO', 'memory'))![1]);

  beforeAll(async () => {
    redis = await startRedisServer({ args: ['--maxmemory-policy', 'noeviction'] });
    server = await startTestGatehouse({ REDIS_URL: redis.url });
    store = await createRedisStore({ connection: loadConfig({ REDIS_URL: redis.url }).redis!, logger: createLogger({ level: 'silent' }) });
    await store.adapterFactory('AuthorizationCode').upsert(code, { jti: code, grantId: randomUUID(), clientId: 'c', accountId: 'a', kind: 'AuthorizationCode' }, 600);
    // Room for about 3,000 more opaque tokens (~630 bytes each) beyond what the boot stored.
    await redisCli(redis.port, 'CONFIG', 'SET', 'maxmemory', String(await usedMemory() + 2 * 1024 * 1024));
  });
  afterAll(async () => {
    await store?.close();
    await server?.close();
    await redis?.close();
  });

  it('answers new tokens 503 temporarily_unavailable and keeps honouring the stored ones', async () => {
    const { issued, refused } = await issueTokensUntilRefused(server.issuer);
    expect(issued.length).toBeGreaterThan(500);

    expect(await expectTemporarilyUnavailable(refused)).not.toContain('OOM');
    expect(await introspect(server.issuer, issued[0]!)).toMatchObject({ active: true, client_id: DEMO_CONFIDENTIAL.id });
  });

  it('writes nothing of a refused record: neither the record nor its grant index entry', async () => {
    // From here on, well over the limit: Redis's count moves by tens of KB as each connection's
    // buffers grow and shrink (an idle one's are freed after 2 s), so "just full" could have
    // room again by the next write.
    await redisCli(redis.port, 'CONFIG', 'SET', 'maxmemory', String(await usedMemory() - 256 * 1024));
    const [grantId, tokenId] = [randomUUID(), randomUUID()];
    const refusal = await store.adapterFactory('RefreshToken').upsert(tokenId, { jti: tokenId, grantId, clientId: 'c', accountId: 'a', kind: 'RefreshToken' }, 3600)
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(StoreUnavailableError);

    const keys = await redisCli(redis.port, '--scan', '--pattern', `*${tokenId}*`) + await redisCli(redis.port, '--scan', '--pattern', `*${grantId}*`);
    expect(keys.trim()).toBe('');
  });

  it('refuses to use up a code while full, so that the code stays good for a retry', async () => {
    await expect(store.adapterFactory('AuthorizationCode').consume(code)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect((await store.adapterFactory('AuthorizationCode').find(code))?.consumed).toBeUndefined();
  });

  it('the admin command says Redis is full, not that it did not answer', async () => {
    const errors: string[] = [];
    const io = { out: () => {}, err: (text: string) => errors.push(text), inputIsTerminal: false, readInput: async () => '', promptHidden: async () => '' };
    const code = await runCli(['client', 'create', '--name', 'Full store', '--redirect-uri', 'https://rp.example/cb'], { io, env: server.env });
    expect({ code, errors }).toEqual({ code: 1, errors: [expect.stringMatching(/^gatehouse: the store \(Redis\) is full \(maxmemory reached\) and wrote nothing/)] });
  });

  it('issues tokens and uses up codes again as soon as Redis has room, without a restart', async () => {
    await redisCli(redis.port, 'CONFIG', 'SET', 'maxmemory', '0');
    const again = await postForm(`${server.issuer}/oauth/token`, { grant_type: 'client_credentials' }, demoClientAuth);
    expect(again.status).toBe(200);
    await store.adapterFactory('AuthorizationCode').consume(code);
    expect((await store.adapterFactory('AuthorizationCode').find(code))?.consumed).toEqual(expect.any(Number));
  });
});

/**
 * Redis takes writes until it is over maxmemory. Just below it, a code or refresh token could be
 * used up and the tokens that replace it then refused: the client's retry would look like a
 * replay and revoke the grant. So one is used up only with room left for what follows.
 */
describeWithRedis('when Redis is nearly full', 'redis-server-binary', () => {
  let redis: RedisServer;
  let store: Store;

  beforeAll(async () => {
    redis = await startRedisServer({ args: ['--maxmemory-policy', 'noeviction'] });
    store = await createRedisStore({ connection: loadConfig({ REDIS_URL: redis.url }).redis!, logger: createLogger({ level: 'silent' }) });
  });
  afterAll(async () => {
    await store?.close();
    await redis?.close();
  });

  it('refuses to use up a refresh token with less room left than its new tokens take, and uses it up once there is room', async () => {
    const refreshTokens = store.adapterFactory('RefreshToken');
    const [used, id] = [randomUUID(), randomUUID()];
    for (const jti of [used, id]) await refreshTokens.upsert(jti, { jti, grantId: randomUUID(), clientId: 'c', accountId: 'a', kind: 'RefreshToken' }, 3600);
    // Another one first, so that the script is loaded and the connection's buffers are there;
    // and a first limit, as setting one the first time takes some memory of its own (~24 KB).
    await refreshTokens.consume(used);
    await store.redis!.config('SET', 'maxmemory', String(1024 ** 3));
    // Room for the mark (a few bytes), not for the tokens that would follow it. Measured and
    // limited on the store's own connection, which the consume then uses: Redis counts each
    // connection's buffers, which other connections would grow and shrink meanwhile.
    const usedMemory = Number(/used_memory:(\d+)/.exec(await store.redis!.info('memory'))![1]);
    await store.redis!.config('SET', 'maxmemory', String(usedMemory + 6 * 1024));

    await expect(refreshTokens.consume(id)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect((await refreshTokens.find(id))?.consumed).toBeUndefined();

    await store.redis!.config('SET', 'maxmemory', '0');
    await refreshTokens.consume(id);
    expect((await refreshTokens.find(id))?.consumed).toEqual(expect.any(Number));
  });
});
