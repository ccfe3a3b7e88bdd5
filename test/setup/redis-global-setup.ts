const { startProjectRedis } = require('./start-project-redis.ts') as typeof import('./start-project-redis.js');

/** globalSetup of the "redis" test project (jest.config.js). */
export default async function setup(): Promise<void> {
  await startProjectRedis('redis');
}
