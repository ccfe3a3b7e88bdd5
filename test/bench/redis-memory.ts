/**
 * How much Redis memory Gatehouse's records take: a throwaway redis-server, the real server,
 * real sign-ins. Prints MEMORY USAGE per key kind and the used_memory growth per sign-in.
 *
 *   npm run bench:redis-memory [-- sign-ins]
 */
import { Redis } from 'ioredis';
import * as client from 'openid-client';
import { DEMO_CONFIDENTIAL, discoverClient, signIn } from '../helpers/oauth.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { startTestGatehouse } from '../helpers/start-gatehouse.js';
import { keyUsageByKind } from './redis-footprint.js';

const SIGN_INS = Number(process.argv[2] ?? 200);

const redis = await startRedisServer();
const server = await startTestGatehouse({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'gatehouse:', LOG_LEVEL: 'silent' });
const inspect = new Redis(redis.url);
try {
  const rp = await discoverClient(server.issuer, DEMO_CONFIDENTIAL.id, DEMO_CONFIDENTIAL.secret);
  const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await inspect.info('memory'))![1]);

  // Warm up (scripts loaded, first allocations), then measure.
  const fullSignIn = () => signIn(rp, { redirectUri: DEMO_CONFIDENTIAL.redirectUri, scope: 'openid offline_access', extra: { prompt: 'consent' } });
  await fullSignIn();
  const before = await usedMemory();
  const keysBefore = await inspect.dbsize();
  for (let i = 0; i < SIGN_INS; i++) await fullSignIn();
  const afterSignIns = await usedMemory();
  const keysAfter = await inspect.dbsize();
  for (let i = 0; i < SIGN_INS; i++) await client.refreshTokenGrant(rp, (await fullSignIn()).tokens.refresh_token!);
  const afterRefreshes = await usedMemory();

  console.log(`Redis ${(await inspect.info('server')).match(/redis_version:(\S+)/)![1]}, ${SIGN_INS} sign-ins (confidential client, openid offline_access, consent)`);
  console.log('\nMEMORY USAGE per key (bytes, incl. key name and Redis overhead):');
  console.log('kind'.padEnd(40), 'keys'.padStart(6), 'mean'.padStart(8), 'max'.padStart(8));
  for (const { kind, keys, meanBytes, maxBytes } of await keyUsageByKind(inspect, 'gatehouse:', Infinity)) {
    console.log(kind.padEnd(40), String(keys).padStart(6), String(meanBytes).padStart(8), String(maxBytes).padStart(8));
  }
  console.log(`\nused_memory growth per sign-in (session + uid index + grant + grant index + code + access + refresh token): ${Math.round((afterSignIns - before) / SIGN_INS)} bytes, ${((keysAfter - keysBefore) / SIGN_INS).toFixed(1)} keys`);
  console.log(`used_memory growth per sign-in followed by one refresh (adds a rotated refresh + access token): ${Math.round((afterRefreshes - afterSignIns) / SIGN_INS)} bytes`);
  console.log(`=> about ${Math.round(1_000_000_000 / ((afterSignIns - before) / SIGN_INS) / 1000)}k such sign-ins per GB`);
} finally {
  inspect.disconnect();
  await server.close();
  await redis.close();
}
