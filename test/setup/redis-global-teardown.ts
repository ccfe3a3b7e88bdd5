/** globalTeardown of both Redis test projects: jest runs it once, and it stops everything the setups started. */
export default async function teardown(): Promise<void> {
  const state = globalThis as { gatehouseTestRedis?: Array<{ close(): Promise<void> }> };
  const servers = state.gatehouseTestRedis ?? [];
  state.gatehouseTestRedis = [];
  await Promise.all(servers.map((server) => server.close()));
}
