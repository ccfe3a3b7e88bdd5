import { basicAuth, authorizationCodeFlow, discover, tokenRequest, type Endpoints } from './oauth-client.ts';
import { runHttpLoad, runLoop, type LoadResult, type Progress } from './load.ts';
import { BENCH_CLIENT, BENCH_USER, OPAQUE_RESOURCE, type StoreKind, type Target } from './targets.ts';

export type ScenarioId = 'cc-opaque' | 'cc-jwt' | 'introspection' | 'refresh' | 'auth-code-flow' | 'protected-api' | 'cc-opaque-workers';

/**
 * Which servers a scenario runs against. `ours` are our variants (the headline, Redis, first);
 * `baselines` what each of them is compared to.
 */
export interface ScenarioPlan {
  id: ScenarioId;
  title: string;
  unit: 'req/s' | 'flows/s';
  ours: string[];
  baselines: string[];
  /** Why the scenario did not run (no Redis for WORKERS=2); its row says so. */
  skipped?: string;
}

export interface Timing {
  warmupS: number;
  /** Measured seconds per target, split over `rounds` windows. */
  seconds: number;
  rounds: number;
  connections: number;
  /** Concurrent flows for the authorization-code scenario (each flow is 7 requests and a password hash). */
  flowConcurrency: number;
}

/** The function a scenario runs for `seconds` against one target. */
export type Load = (seconds: number, progress: Progress) => Promise<LoadResult>;

const FORM = 'application/x-www-form-urlencoded';

/**
 * Builds the load for a scenario against a target. Setup (discovery, a token to introspect,
 * refresh tokens for each loop) happens here, outside the measured window.
 */
export async function prepareLoad(id: ScenarioId, target: Target, timing: Timing, jwtAudience: string): Promise<Load> {
  const http = (load: Parameters<typeof runHttpLoad>[0]): Load => (seconds, progress) => runHttpLoad(load, { warmupS: 0, seconds }, progress);
  const tokenEndpoint = async () => (target.name === '@node-oauth/oauth2-server' ? `${target.issuer}/token` : (await discover(target.issuer!)).token);

  switch (id) {
    case 'cc-opaque':
    case 'cc-opaque-workers': {
      // oauth2-server has no resource indicators: its client_credentials token is opaque already.
      const params: Record<string, string> = target.name === '@node-oauth/oauth2-server'
        ? { grant_type: 'client_credentials' }
        : { grant_type: 'client_credentials', scope: OPAQUE_RESOURCE.scope, resource: OPAQUE_RESOURCE.audience };
      return http({ url: await tokenEndpoint(), method: 'POST', headers: tokenHeaders(), body: new URLSearchParams(params).toString(), connections: timing.connections });
    }
    case 'cc-jwt':
      return http({
        url: await tokenEndpoint(), method: 'POST', headers: tokenHeaders(),
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'api:read', resource: jwtAudience }).toString(),
        connections: timing.connections,
      });
    case 'introspection': {
      const endpoints = await discover(target.issuer!);
      const token = await tokenRequest(endpoints, BENCH_CLIENT, { grant_type: 'client_credentials', scope: OPAQUE_RESOURCE.scope, resource: OPAQUE_RESOURCE.audience });
      return http({ url: endpoints.introspection!, method: 'POST', headers: tokenHeaders(), body: new URLSearchParams({ token: token.access_token! }).toString(), connections: timing.connections });
    }
    case 'refresh': {
      const endpoints = await discover(target.issuer!);
      // One refresh-token chain per loop: each request rotates it (the old one is then dead).
      const chains = await Promise.all(Array.from({ length: timing.connections }, () => flow(endpoints).then((tokens) => tokens.refresh_token!)));
      return (seconds, progress) => runLoop(async (loop) => {
        const tokens = await tokenRequest(endpoints, BENCH_CLIENT, { grant_type: 'refresh_token', refresh_token: chains[loop]! });
        if (!tokens.refresh_token || tokens.refresh_token === chains[loop]) throw new Error('the refresh token did not rotate');
        chains[loop] = tokens.refresh_token;
      }, { concurrency: timing.connections, warmupS: 0, seconds }, progress);
    }
    case 'auth-code-flow': {
      const endpoints = await discover(target.issuer!);
      return (seconds, progress) => runLoop(async () => {
        await flow(endpoints);
      }, { concurrency: timing.flowConcurrency, warmupS: 0, seconds }, progress);
    }
    case 'protected-api': {
      if (target.name === 'koa hello-world') return http({ url: `${target.apiUrl}/`, connections: timing.connections });
      const token = await tokenRequest(await discover(target.issuer!), BENCH_CLIENT, { grant_type: 'client_credentials', scope: 'api:read', resource: target.apiUrl! });
      return http({ url: `${target.apiUrl}/protected`, headers: { authorization: `Bearer ${token.access_token}` }, connections: timing.connections });
    }
  }
}

function tokenHeaders(): Record<string, string> {
  return { authorization: basicAuth(BENCH_CLIENT), 'content-type': FORM };
}

function flow(endpoints: Endpoints) {
  return authorizationCodeFlow(endpoints, BENCH_CLIENT, BENCH_USER, { scope: `openid offline_access ${OPAQUE_RESOURCE.scope}`, resource: OPAQUE_RESOURCE.audience });
}

/** Our server's name in the report, by store. */
export const oursName = (store: StoreKind) => `gatehouse (${store === 'redis' ? 'Redis' : 'memory'})`;
export const WORKERS_NAME = 'gatehouse WORKERS=2 (Redis)';

/**
 * Every scenario, in the order it runs, with the servers it compares. `stores` are the stores
 * ours runs on (the headline first). Only scenarios that touch the store run ours on each: a JWT
 * access token is not stored and the protected API verifies tokens without the store, so those
 * run on the headline store alone.
 */
export function scenarioPlans(stores: readonly StoreKind[]): ScenarioPlan[] {
  const every = stores.map(oursName);
  const headline = every.slice(0, 1);
  const workers: ScenarioPlan = stores.includes('redis')
    ? { id: 'cc-opaque-workers', title: 'client_credentials, opaque, WORKERS=2 vs one process (Redis)', unit: 'req/s', ours: [WORKERS_NAME], baselines: [oursName('redis')] }
    : { id: 'cc-opaque-workers', title: 'client_credentials, opaque, WORKERS=2 vs one process (Redis)', unit: 'req/s', ours: [WORKERS_NAME], baselines: [], skipped: 'WORKERS>1 needs the Redis store' };
  return [
    { id: 'cc-opaque', title: 'client_credentials, opaque access token', unit: 'req/s', ours: every, baselines: ['bare oidc-provider', '@node-oauth/oauth2-server'] },
    { id: 'cc-jwt', title: 'client_credentials, JWT access token (ES256)', unit: 'req/s', ours: headline, baselines: ['bare oidc-provider'] },
    { id: 'introspection', title: 'token introspection (RFC 7662), opaque token', unit: 'req/s', ours: every, baselines: ['bare oidc-provider'] },
    { id: 'refresh', title: 'refresh-token rotation', unit: 'req/s', ours: every, baselines: ['bare oidc-provider'] },
    { id: 'auth-code-flow', title: 'authorization code + PKCE, whole flow (authorize, login, consent, callback, token)', unit: 'flows/s', ours: every, baselines: ['bare oidc-provider'] },
    { id: 'protected-api', title: 'protected API verifying a JWT (jose)', unit: 'req/s', ours: headline, baselines: ['koa hello-world'] },
    workers,
  ];
}
