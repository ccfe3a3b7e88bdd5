import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import * as client from 'openid-client';
import { buildDist } from '../helpers/build-dist.js';
import { freePort } from '../helpers/free-port.js';
import { DEMO_CONFIDENTIAL, discoverClient } from '../helpers/oauth.js';
import { redisCli, startRedisServer, waitFor, type RedisServer } from '../helpers/redis-server.js';
import { spawnGatehouse, type SpawnedGatehouse } from '../helpers/spawn-gatehouse.js';
import { describeWithRedis } from '../helpers/test-stores.js';

/**
 * `npm start` as production runs it (`node dist/main.js`, one process, on Redis): the protected
 * API in a worker thread of its own, next to the authorization server's event loop.
 */
describeWithRedis('the protected API in its own thread', 'redis-server-binary', () => {
  let redis: RedisServer;
  let server: SpawnedGatehouse;
  let config: client.Configuration;

  beforeAll(async () => {
    await buildDist();
    redis = await startRedisServer();
    server = await spawnGatehouse({ env: { REDIS_URL: redis.url, LOG_LEVEL: 'info' } });
    config = await discoverClient(server.issuer, DEMO_CONFIDENTIAL.id, DEMO_CONFIDENTIAL.secret);
  }, 120_000);
  afterAll(async () => {
    await server?.cleanup();
    await redis?.close();
  });

  it('verifies the tokens the authorization server issues, logs the request, and counts it in /metrics', async () => {
    const tokens = await client.clientCredentialsGrant(config, { scope: 'api:read', resource: server.apiUrl });
    const response = await fetch(`${server.apiUrl}/protected`, { headers: { authorization: `Bearer ${tokens.access_token}`, 'x-request-id': 'thread-test-1' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ client_id: DEMO_CONFIDENTIAL.id, scope: 'api:read' });
    expect((await fetch(`${server.apiUrl}/protected`)).status).toBe(401);

    // The thread writes its access lines to the process's stdout, whole.
    await waitFor(() => server.output().includes('"reqId":"thread-test-1"'), 5000, "the API request's access line");
    const line = server.output().split('\n').find((text) => text.includes('"reqId":"thread-test-1"'))!;
    expect(JSON.parse(line)).toMatchObject({ method: 'GET', route: '/protected', status: 200, msg: 'request' });

    const metrics = await (await fetch(`${server.issuer}/metrics`)).text();
    expect(metrics).toMatch(/gatehouse_http_request_duration_seconds_count\{server="api",route="\/protected",method="GET",status="2xx"\} 1\n/);
    expect(metrics).toMatch(/gatehouse_http_request_duration_seconds_count\{server="api",route="\/protected",method="GET",status="4xx"\} 1\n/);
    // One family per name, and the process's own metrics once (the thread keeps none of those).
    const families = metrics.split('\n').filter((text) => text.startsWith('# TYPE '));
    expect(new Set(families).size).toBe(families.length);
    expect(metrics.match(/^process_cpu_user_seconds_total /gm)).toHaveLength(1);
    // The thread's own event-loop delay, next to the main thread's.
    expect(metrics).toMatch(/^nodejs_eventloop_lag_p99_seconds \d/m);
    expect(metrics).toMatch(/^nodejs_eventloop_lag_p99_seconds\{thread="api"\} \d/m);
  });

  it('remembers DPoP proofs in Redis, where every instance sees them: a proof used twice is refused', async () => {
    const keys = await generateKeyPair('ES256', { extractable: true });
    const tokens = await client.clientCredentialsGrant(config, { scope: 'api:read', resource: server.apiUrl }, { DPoP: client.getDPoPHandle(config, keys as client.CryptoKeyPair) });
    const proof = await new SignJWT({ htm: 'GET', htu: `${server.apiUrl}/protected`, jti: crypto.randomUUID(), ath: createHash('sha256').update(tokens.access_token).digest('base64url') })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(keys.publicKey) })
      .setIssuedAt()
      .sign(keys.privateKey);
    const call = () => fetch(`${server.apiUrl}/protected`, { headers: { authorization: `DPoP ${tokens.access_token}`, dpop: proof } });
    expect((await call()).status).toBe(200);
    expect(await redisCli(redis.port, 'KEYS', 'gatehouse:replay:*')).toMatch(/^gatehouse:replay:/);
    expect((await call()).status).toBe(401);
  });

  it('drains with the authorization server on SIGTERM: the process exits 0 and the port is closed', async () => {
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    await expect(fetch(`${server.apiUrl}/healthz`)).rejects.toThrow();
  });

  it('answers on the API port as soon as /readyz says ready', async () => {
    const starting = await spawnGatehouse({ waitUntilUp: false });
    try {
      // Polled every 50 ms from the moment the process starts: the first ready answer counts.
      await waitFor(async () => (await fetch(`${starting.issuer}/readyz`)).ok, 20_000, '/readyz to answer ready');
      expect((await fetch(`${starting.apiUrl}/protected`)).status).toBe(401);
    } finally {
      await starting.cleanup();
    }
  });

  it('stops the server, saying why, when it cannot start', async () => {
    const apiPort = await freePort();
    const taken = createServer().listen(apiPort, '127.0.0.1');
    await new Promise((resolve) => taken.once('listening', resolve));
    try {
      // A deployment of its own on that Redis (its development keys are not the first one's).
      const failure = await spawnGatehouse({ env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'second:', API_PORT: String(apiPort), API_AUDIENCE: `http://localhost:${apiPort}` } }).then(
        async (started) => {
          await started.cleanup();
          return undefined;
        },
        (error: Error) => error,
      );
      expect(failure?.message).toContain('EADDRINUSE');
    } finally {
      taken.close();
    }
  }, 60_000);
});
