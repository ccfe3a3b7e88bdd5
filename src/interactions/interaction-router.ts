import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import type { AccountService } from '../accounts/account-service.js';
import type { Views } from '../http/views.js';
import type { Logger } from '../observability/logger.js';
import { isFirstParty } from '../provider/client-metadata.js';
import type { ResourceServerRegistry } from '../provider/resource-servers.js';
import { safeHttpUrl } from '../provider/pages.js';
import type { CsrfTokens } from '../security/csrf.js';
import { setPageHeaders } from '../security/headers.js';
import { describeScopes } from './scope-descriptions.js';
import { InteractionExpiredError, loadInteraction, type Interaction } from './load-interaction.js';
import { grantConsent } from './grant-consent.js';

export interface InteractionRouterDeps {
  /** The current provider: it is rebuilt when signing keys or resource servers change. */
  provider: { current(): Provider };
  accounts: AccountService;
  views: Views;
  csrf: CsrfTokens;
  resourceServers: ResourceServerRegistry;
  logger: Logger;
  /** Where the routes live, e.g. "/interaction" (with the issuer's path in front, if any). */
  prefix: string;
}

const LOGIN_FAILED = 'Incorrect username or password.';

/** Our login, consent and abort pages for oidc-provider interactions. */
export function createInteractionRouter(deps: InteractionRouterDeps): Router {
  const { views, csrf, prefix } = deps;
  const provider = () => deps.provider.current();
  const router = new Router({ prefix });
  // Form bodies only, small: these routes take a username, a password and a decision.
  const forms = bodyParser({ enableTypes: ['form'], formLimit: '16kb', encoding: 'utf-8' });

  const render = async (ctx: Context, name: string, locals: Record<string, unknown>) => {
    setPageHeaders(ctx);
    ctx.type = 'html';
    ctx.body = await views.render(name, locals);
  };

  const finish = async (ctx: Context, result: InteractionResults, merge: boolean) => {
    const location = await provider().interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge });
    ctx.status = 303;
    ctx.redirect(location);
  };

  const renderLogin = async (ctx: Context, interaction: Interaction, extra: { error?: string; username?: string } = {}) => {
    const client = await provider().Client.find(String(interaction.params['client_id']));
    await render(ctx, 'login', {
      clientName: client?.clientName ?? client?.clientId ?? 'An application',
      action: `${prefix}/${interaction.uid}/login`,
      abortAction: `${prefix}/${interaction.uid}/abort`,
      csrf: csrf.issue(interaction.uid),
      error: extra.error ?? '',
      username: extra.username ?? String(interaction.params['login_hint'] ?? ''),
    });
  };

  const requireCsrf = (ctx: Context, interaction: Interaction) => {
    const body = ctx.request.body as Record<string, unknown> | undefined;
    if (!csrf.verify(interaction.uid, body?.['csrf'])) {
      ctx.throw(403, 'This form has expired or was not sent from our page. Go back and try again.');
    }
  };

  router.get('/:uid', async (ctx) => {
    const interaction = await loadInteraction(provider(), ctx);
    if (interaction.prompt.name === 'login') return renderLogin(ctx, interaction);
    if (interaction.prompt.name !== 'consent') throw new InteractionExpiredError();

    const client = await provider().Client.find(String(interaction.params['client_id']));
    if (!client) throw new InteractionExpiredError();
    if (isFirstParty(client)) {
      // Our own applications: consent is implied (still recorded as a Grant).
      return finish(ctx, { consent: { grantId: await grantConsent(provider(), interaction) } }, true);
    }
    const details = interaction.prompt.details as {
      missingOIDCScope?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    const resourceScopes = Object.values(details.missingResourceScopes ?? {}).flat();
    const account = interaction.session?.accountId ? await deps.accounts.findById(interaction.session.accountId) : undefined;
    const clientUri = safeHttpUrl(client.clientUri);
    await render(ctx, 'consent', {
      clientName: client.clientName ?? client.clientId,
      clientUri,
      clientHost: clientUri ? new URL(clientUri).host : '',
      username: account?.username ?? '',
      scopes: describeScopes([...(details.missingOIDCScope ?? []), ...resourceScopes], deps.resourceServers.scopeDescriptions()),
      resources: Object.keys(details.missingResourceScopes ?? {}),
      action: `${prefix}/${interaction.uid}/consent`,
      csrf: csrf.issue(interaction.uid),
    });
  });

  router.post('/:uid/login', forms, async (ctx) => {
    const interaction = await loadInteraction(provider(), ctx, 'login');
    requireCsrf(ctx, interaction);
    const body = ctx.request.body as Record<string, unknown>;
    const username = typeof body['username'] === 'string' ? body['username'].slice(0, 256) : '';
    const password = typeof body['password'] === 'string' ? body['password'].slice(0, 1024) : '';
    const account = await deps.accounts.authenticate(username, password);
    if (!account) {
      deps.logger.info({ event: 'login.failed', interaction: interaction.uid }, 'login failed');
      ctx.status = 401;
      return renderLogin(ctx, interaction, { error: LOGIN_FAILED, username });
    }
    deps.logger.info({ event: 'login.succeeded', accountId: account.id }, 'login succeeded');
    await finish(ctx, { login: { accountId: account.id, amr: ['pwd'] } }, false);
  });

  router.post('/:uid/consent', forms, async (ctx) => {
    const interaction = await loadInteraction(provider(), ctx, 'consent');
    requireCsrf(ctx, interaction);
    const decision = (ctx.request.body as Record<string, unknown>)['decision'];
    if (decision !== 'allow') {
      return finish(ctx, { error: 'access_denied', error_description: 'The user denied the request' }, false);
    }
    await finish(ctx, { consent: { grantId: await grantConsent(provider(), interaction) } }, true);
  });

  router.post('/:uid/abort', forms, async (ctx) => {
    const interaction = await loadInteraction(provider(), ctx);
    requireCsrf(ctx, interaction);
    await finish(ctx, { error: 'access_denied', error_description: 'The user cancelled the sign-in' }, false);
  });

  return router;
}
