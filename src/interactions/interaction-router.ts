import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import type { AccountService } from '../accounts/account-service.js';
import type { SecondFactorService } from '../accounts/second-factor.js';
import { formField } from '../http/form-field.js';
import { readBody } from '../http/read-body.js';
import type { Views } from '../http/views.js';
import type { Logger } from '../observability/logger.js';
import type { LoginMetrics } from '../observability/metrics.js';
import { requestLog } from '../observability/request-observer.js';
import { isFirstParty } from '../provider/client-metadata.js';
import { clientDisplayName, safeHttpUrl, startAgainFor } from '../provider/client-display.js';
import type { ResourceServerRegistry } from '../provider/resource-servers.js';
import type { CsrfTokens } from '../security/csrf.js';
import { admitSignIn, reportFailedSignIn, type LoginThrottle } from '../security/login-throttle.js';
import { setPageHeaders } from '../security/headers.js';
import { consentDetails } from './consent-details.js';
import { FormRejectedError } from './form-rejected-error.js';
import { grantConsent, withdrawConsent } from './grant-consent.js';
import { InteractionExpiredError, loadInteraction, type Interaction } from './load-interaction.js';
import { describeScopes } from './scope-descriptions.js';
import { addSecondFactorStep } from './second-factor-step.js';

export interface InteractionRouterDeps {
  /** The current provider: it is rebuilt when signing keys or resource servers change. */
  provider: { current(): Provider };
  accounts: AccountService;
  secondFactor: SecondFactorService;
  views: Views;
  csrf: CsrfTokens;
  throttle: LoginThrottle;
  resourceServers: ResourceServerRegistry;
  logger: Logger;
  /** Counts sign-ins by outcome. */
  loginMetrics?: LoginMetrics;
  /** Where the routes live, e.g. "/interaction" (with the issuer's path in front, if any). */
  prefix: string;
}

/** Our login, consent and abort pages for oidc-provider interactions. */
export function createInteractionRouter(deps: InteractionRouterDeps): Router {
  const { views, csrf, prefix } = deps;
  const provider = () => deps.provider.current();
  const router = new Router({ prefix });
  // Form bodies only, small: these routes take a username, a password and a decision.
  const forms = readBody('form', '16kb');

  const { strings } = views;
  const render = async (ctx: Context, name: string, locals: Record<string, unknown>, imageOrigins: string[] = []) => {
    setPageHeaders(ctx, { imageOrigins });
    ctx.type = 'html';
    ctx.body = await views.render(name, locals);
  };
  const findClient = async (clientId: unknown) => {
    if (typeof clientId !== 'string' || clientId === '' || clientId.length > 256) return undefined;
    return provider().Client.find(clientId).catch(() => undefined);
  };

  // An expired or unknown interaction leads back to the application the user came from: its id
  // rides along in the page URL and in the forms, so we can name it even when the interaction is gone.
  router.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      if (error instanceof InteractionExpiredError && !error.startAgain) {
        const hint = (ctx.request.body as Record<string, unknown> | undefined)?.['client_id'] ?? ctx.query['client_id'];
        error.startAgain = startAgainFor(await findClient(hint), provider().issuer);
      }
      throw error;
    }
  });

  const finish = async (ctx: Context, result: InteractionResults, merge: boolean) => {
    const location = await provider().interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge });
    ctx.status = 303;
    ctx.redirect(location);
  };

  const renderLogin = async (ctx: Context, interaction: Interaction, extra: { failed?: boolean; throttled?: boolean; username?: string } = {}) => {
    const client = await findClient(interaction.params['client_id']);
    await render(ctx, 'login', {
      clientName: clientDisplayName(client, strings.common.anApplication),
      clientId: client?.clientId ?? '',
      action: `${prefix}/${interaction.uid}/login`,
      abortAction: `${prefix}/${interaction.uid}/abort`,
      csrf: csrf.issue(interaction.uid),
      failed: extra.failed ?? false,
      throttled: extra.throttled ?? false,
      username: extra.username ?? String(interaction.params['login_hint'] ?? ''),
    });
  };

  /** The signed-in account, unless it was deleted or disabled since it signed in. */
  const sessionAccount = async (interaction: Interaction) => {
    const accountId = interaction.session?.accountId;
    return accountId ? deps.accounts.findActive(accountId) : undefined;
  };
  // Finishing with no result returns to oidc-provider, whose login prompt then finds the account
  // gone (provider/interaction-policy.ts) and asks for a sign-in again.
  const signInAgain = (ctx: Context, interaction: Interaction) => {
    requestLog(ctx, deps.logger).info({ event: 'consent.account_unavailable', accountId: interaction.session?.accountId }, 'account gone since sign-in: signing in again');
    return finish(ctx, {}, false);
  };

  const requireCsrf = (ctx: Context, interaction: Interaction) => {
    const body = ctx.request.body as Record<string, unknown> | undefined;
    if (!csrf.verify(interaction.uid, body?.['csrf'])) throw new FormRejectedError();
  };

  const secondFactorStep = addSecondFactorStep(router, {
    provider: deps.provider, accounts: deps.accounts, secondFactor: deps.secondFactor, csrf, logger: deps.logger, loginMetrics: deps.loginMetrics, prefix, forms, render, finish, requireCsrf,
  });

  router.get('/:uid', async (ctx) => {
    const interaction = await loadInteraction(provider(), ctx);
    if (interaction.prompt.name === 'login') return renderLogin(ctx, interaction);
    if (interaction.prompt.name !== 'consent') throw new InteractionExpiredError();

    const client = await findClient(interaction.params['client_id']);
    if (!client) throw new InteractionExpiredError();
    const account = await sessionAccount(interaction);
    if (!account) return signInAgain(ctx, interaction);
    if (isFirstParty(client)) {
      // Our own applications: consent is implied (still recorded as a Grant).
      return finish(ctx, { consent: { grantId: await grantConsent(provider(), interaction) } }, true);
    }
    const { newScopes, previousScopes, resources } = await consentDetails(provider(), interaction);
    const clientUri = safeHttpUrl(client.clientUri);
    const logoUri = safeHttpUrl(client.logoUri);
    const describe = (scopes: string[]) => describeScopes(scopes, deps.resourceServers.scopeDescriptions(), strings.scopes);
    await render(ctx, 'consent', {
      clientName: clientDisplayName(client, strings.common.anApplication),
      clientId: client.clientId,
      clientUri,
      clientHost: clientUri ? new URL(clientUri).host : '',
      logoUri,
      policyUri: safeHttpUrl(client.policyUri),
      tosUri: safeHttpUrl(client.tosUri),
      username: account.username,
      newScopes: describe(newScopes),
      previousScopes: describe(previousScopes),
      resources,
      action: `${prefix}/${interaction.uid}/consent`,
      csrf: csrf.issue(interaction.uid),
    }, logoUri ? [new URL(logoUri).origin] : []);
  });

  router.post('/:uid/login', forms, async (ctx) => {
    const interaction = await loadInteraction(provider(), ctx, 'login');
    requireCsrf(ctx, interaction);
    // A field sent twice is a malformed form (400), not a failed sign-in that counts.
    const username = formField(ctx, 'username', 256);
    const password = formField(ctx, 'password', 1024);
    const attempt = { username, ip: ctx.ip };
    const admission = await admitSignIn(ctx, attempt, {
      throttle: deps.throttle, logger: deps.logger, message: 'login throttled',
      render: () => renderLogin(ctx, interaction, { throttled: true, username }),
    });
    if (!admission) return;
    const account = await deps.accounts.authenticate(username, password);
    if (!account) {
      // No username in the log: people type their password into that field.
      requestLog(ctx, deps.logger).info({ event: 'login.failed', ip: ctx.ip }, 'login failed');
      reportFailedSignIn(ctx, admission, { logger: deps.logger, metrics: deps.loginMetrics });
      ctx.status = 401;
      return renderLogin(ctx, interaction, { failed: true, username });
    }
    await deps.throttle.succeeded(attempt);
    requestLog(ctx, deps.logger).info({ event: 'login.succeeded', accountId: account.id, ip: ctx.ip }, 'login succeeded');
    await secondFactorStep.passwordAccepted(ctx, interaction, account);
  });

  router.post('/:uid/consent', forms, async (ctx) => {
    const interaction = await loadInteraction(provider(), ctx, 'consent');
    requireCsrf(ctx, interaction);
    // Only the page's two buttons are an answer: anything else leaves the interaction as it was.
    const decision = formField(ctx, 'decision', 16);
    if (decision !== 'allow' && decision !== 'deny') ctx.throw(400, 'This form is malformed: it has no decision (allow or deny). Go back and try again.');
    const audit = { clientId: String(interaction.params['client_id']), accountId: interaction.session?.accountId };
    if (decision === 'deny') {
      const withdrawnGrantId = await withdrawConsent(provider(), interaction);
      requestLog(ctx, deps.logger).info({ event: 'consent.denied', ...audit, ...(withdrawnGrantId ? { withdrawnGrantId } : {}) }, 'consent denied');
      return finish(ctx, { error: 'access_denied', error_description: 'The user denied the request' }, false);
    }
    if (!(await sessionAccount(interaction))) return signInAgain(ctx, interaction);
    const grantId = await grantConsent(provider(), interaction);
    requestLog(ctx, deps.logger).info({ event: 'consent.granted', ...audit, grantId }, 'consent granted');
    await finish(ctx, { consent: { grantId } }, true);
  });

  router.post('/:uid/abort', forms, async (ctx) => {
    const interaction = await loadInteraction(provider(), ctx);
    requireCsrf(ctx, interaction);
    await finish(ctx, { error: 'access_denied', error_description: 'The user cancelled the sign-in' }, false);
  });

  return router;
}
