import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/observability/logger.js';
import { createRedisStore } from '../../src/store/redis/create-redis-store.js';
import { describeWithRedis, useRedis } from '../helpers/test-stores.js';
import { adminRecordsContract } from './admin-records-contract.js';
import { storeContract } from './store-contract.js';

const logger = createLogger({ level: 'silent' });

for (const kind of ['redis', 'redis-cluster'] as const) {
  describeWithRedis(`the Redis store [${kind}]`, kind, () => {
    const redis = useRedis(kind);
    storeContract(async () => createRedisStore({ connection: loadConfig(redis.env()).redis!, logger }));
    adminRecordsContract(async () => createRedisStore({ connection: loadConfig(redis.env()).redis!, logger }));
  });
}
