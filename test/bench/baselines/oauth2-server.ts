// Baseline: @node-oauth/oauth2-server (client_credentials only) with an in-memory model, on Koa.
// Another complete OAuth 2 server library, for the client_credentials scenario.
import { bodyParser } from '@koa/bodyparser';
import OAuth2Server from '@node-oauth/oauth2-server';
import Koa from 'koa';

const port = Number(process.env['PORT']);
const expected = JSON.parse(process.env['BENCH_CLIENT']!) as { client_id: string; client_secret: string };

const client = { id: expected.client_id, grants: ['client_credentials'], accessTokenLifetime: 3600 };
const tokens = new Map<string, unknown>();
const server = new OAuth2Server({
  model: {
    getClient: async (id: string, secret: string) => (id === expected.client_id && secret === expected.client_secret ? client : null),
    getUserFromClient: async () => ({ id: 'service' }),
    saveToken: async (token: { accessToken: string }, savedClient: unknown, user: unknown) => {
      const saved = { ...token, client: savedClient, user };
      tokens.set(token.accessToken, saved);
      return saved;
    },
    getAccessToken: async (accessToken: string) => tokens.get(accessToken) ?? null,
    validateScope: async (_user: unknown, _client: unknown, scope?: string[]) => scope ?? [],
  } as never,
});

const app = new Koa();
app.use(bodyParser({ enableTypes: ['form'] }));
app.use(async (ctx) => {
  if (ctx.method !== 'POST' || ctx.path !== '/token') {
    ctx.status = 404;
    return;
  }
  const request = new OAuth2Server.Request({ method: ctx.method, query: ctx.query as Record<string, string>, headers: ctx.headers as Record<string, string>, body: ctx.request.body });
  const response = new OAuth2Server.Response({ headers: {} });
  try {
    await server.token(request, response);
    ctx.status = response.status ?? 200;
    ctx.set(response.headers as Record<string, string>);
    ctx.body = response.body;
  } catch (error) {
    const e = error as { code?: number; name?: string; message?: string };
    ctx.status = e.code ?? 500;
    ctx.body = { error: e.name, error_description: e.message };
  }
});
app.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
// Exit normally on SIGTERM so that --cpu-prof writes its profile.
process.on('SIGTERM', () => process.exit(0));
