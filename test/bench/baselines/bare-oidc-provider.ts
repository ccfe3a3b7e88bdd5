// Baseline: oidc-provider v9 as it comes: its own in-memory adapter, its dev login/consent pages,
// no store, pages, logs or metrics of ours. The framework's own ceiling for the same scenarios.
// Started by the benchmark as `node bare-oidc-provider.ts` with PORT, ISSUER and BENCH_* variables.
import { generateKeyPair, exportJWK } from 'jose';
import Provider from 'oidc-provider';

const port = Number(process.env['PORT']);
const issuer = process.env['ISSUER']!;
const client = JSON.parse(process.env['BENCH_CLIENT']!) as Record<string, unknown>;
const resources = JSON.parse(process.env['BENCH_RESOURCES']!) as { audience: string; scope: string; format: 'jwt' | 'opaque' }[];

const keys = await Promise.all(['RS256', 'ES256'].map(async (alg) => ({ ...(await exportJWK((await generateKeyPair(alg, { extractable: true })).privateKey)), alg, use: 'sig' })));

const provider = new Provider(issuer, {
  clients: [client as never],
  jwks: { keys: keys as never },
  findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
  scopes: ['openid', 'offline_access', ...resources.flatMap((resource) => resource.scope.split(' '))],
  pkce: { required: () => true },
  rotateRefreshToken: true,
  features: {
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => undefined,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, indicator) => {
        const resource = resources.find((candidate) => candidate.audience === indicator)!;
        return {
          scope: resource.scope,
          audience: resource.audience,
          accessTokenFormat: resource.format,
          accessTokenTTL: 3600,
          ...(resource.format === 'jwt' ? { jwt: { sign: { alg: 'ES256' as const } } } : {}),
        };
      },
    },
  },
});
provider.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
// Exit normally on SIGTERM so that --cpu-prof writes its profile.
process.on('SIGTERM', () => process.exit(0));
