import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import type { AccountRecord } from '../accounts/account-repository.js';
import type { AccountService } from '../accounts/account-service.js';
import { countSignInCode, type SecondFactorService } from '../accounts/second-factor.js';
import { formField } from '../http/form-field.js';
import type { Logger } from '../observability/logger.js';
import type { LoginMetrics } from '../observability/metrics.js';
import { requestLog } from '../observability/request-observer.js';
import { ACR_PASSWORD, ACR_SECOND_FACTOR } from '../provider/acr.js';
import type { CsrfTokens } from '../security/csrf.js';
import { loadInteraction, type Interaction } from './load-interaction.js';

/** Remembers, for one interaction, whose password was right; signed with the cookie keys. */
const PENDING_COOKIE = 'gatehouse.second_factor';
/** Time to open the app and type a code. */
const PENDING_SECONDS = 5 * 60;

export interface SecondFactorStepDeps {
  /** The current provider: it is rebuilt when signing keys or resource servers change. */
  provider: { current(): Provider };
  accounts: AccountService;
  secondFactor: SecondFactorService;
  csrf: CsrfTokens;
  logger: Logger;
  /** A sign-in counts once it is complete: after the password, or after the code when one is asked. */
  loginMetrics?: LoginMetrics | undefined;
  prefix: string;
  forms: Middleware;
  render(ctx: Context, name: string, locals: Record<string, unknown>): Promise<void>;
  finish(ctx: Context, result: InteractionResults, merge: boolean): Promise<void>;
  requireCsrf(ctx: Context, interaction: Interaction): void;
}

export interface SecondFactorStep {
  /** After a right password: sign in at once, or ask for a code first when the account has an authenticator. */
  passwordAccepted(ctx: Context, interaction: Interaction, account: AccountRecord): Promise<void>;
}

/**
 * The sign-in step after the password for accounts with an authenticator app: a code from the
 * app or a recovery code. The ID token then says so: amr ["pwd", "otp"] (RFC 8176) and acr
 * ACR_SECOND_FACTOR; password-only sign-ins get amr ["pwd"] and ACR_PASSWORD.
 */
export function addSecondFactorStep(router: Router, deps: SecondFactorStepDeps): SecondFactorStep {
  const { csrf } = deps;
  const provider = () => deps.provider.current();
  const stepPath = (uid: string) => `${deps.prefix}/${uid}/second-factor`;
  // The client id rides along, as on the login page: an expired step can still lead back to the application.
  const stepUrl = (interaction: Interaction) =>
    `${stepPath(interaction.uid)}?client_id=${encodeURIComponent(String(interaction.params['client_id'] ?? ''))}`;

  const pendingAccountId = (ctx: Context, uid: string): string | undefined => {
    const [cookieUid, accountId, expires] = (ctx.cookies.get(PENDING_COOKIE, { signed: true }) ?? '').split('.');
    return cookieUid === uid && accountId && Number(expires) > Date.now() / 1000 ? accountId : undefined;
  };
  const cookieOptions = (ctx: Context, uid: string) =>
    ({ signed: true, httpOnly: true, sameSite: 'lax' as const, secure: ctx.secure, path: `${deps.prefix}/${uid}`, overwrite: true });

  const renderStep = async (ctx: Context, interaction: Interaction, error = '') => {
    const client = await provider().Client.find(String(interaction.params['client_id']));
    await deps.render(ctx, 'second-factor', {
      clientName: client?.clientName ?? client?.clientId ?? 'An application',
      clientId: client?.clientId ?? '',
      action: stepPath(interaction.uid),
      abortAction: `${deps.prefix}/${interaction.uid}/abort`,
      csrf: csrf.issue(interaction.uid),
      error,
    });
  };
  const backToPassword = (ctx: Context, uid: string) => {
    ctx.status = 303;
    ctx.redirect(`${deps.prefix}/${uid}`);
  };

  router.get('/:uid/second-factor', async (ctx) => {
    const interaction = await loadInteraction(provider(), ctx, 'login');
    if (!pendingAccountId(ctx, interaction.uid)) return backToPassword(ctx, interaction.uid);
    await renderStep(ctx, interaction);
  });

  router.post('/:uid/second-factor', deps.forms, async (ctx) => {
    const interaction = await loadInteraction(provider(), ctx, 'login');
    deps.requireCsrf(ctx, interaction);
    const accountId = pendingAccountId(ctx, interaction.uid);
    if (!accountId) return backToPassword(ctx, interaction.uid);
    if (!(await deps.accounts.findActive(accountId))) {
      // Deleted or disabled since its password was accepted: refused as the password step would
      // refuse it now, before the code is looked at (a recovery code is not spent).
      ctx.cookies.set(PENDING_COOKIE, null, cookieOptions(ctx, interaction.uid));
      requestLog(ctx, deps.logger).info({ event: 'login.second_factor.refused', accountId }, 'account gone since its password: sign-in refused');
      deps.loginMetrics?.failed();
      return backToPassword(ctx, interaction.uid);
    }
    const code = formField(ctx, 'code', 64);
    if (!code.trim()) {
      // Enter on the empty field (the form is novalidate): no code was tried, so none is counted.
      ctx.status = 400;
      return renderStep(ctx, interaction, 'Enter the code from your authenticator app, or a recovery code.');
    }
    const result = await deps.secondFactor.check(accountId, code);
    countSignInCode(result, deps.loginMetrics);

    if (result.ok || result.reason === 'not_enrolled') {
      ctx.cookies.set(PENDING_COOKIE, null, cookieOptions(ctx, interaction.uid));
      if (result.ok) {
        requestLog(ctx, deps.logger).info({ event: 'login.second_factor.succeeded', accountId, method: result.method, recoveryCodesLeft: result.recoveryCodesLeft }, 'second factor accepted');
        return deps.finish(ctx, { login: { accountId, amr: ['pwd', 'otp'], acr: ACR_SECOND_FACTOR } }, false);
      }
      // Removed by an administrator since the password was checked: the password is what remains.
      return deps.finish(ctx, { login: { accountId, amr: ['pwd'], acr: ACR_PASSWORD } }, false);
    }
    if (result.reason === 'locked') {
      requestLog(ctx, deps.logger).warn({ event: 'login.second_factor.locked', accountId }, 'second factor locked after wrong codes');
      ctx.status = 429;
      ctx.set('Retry-After', String(result.retryAfterSeconds));
      const minutes = Math.ceil(result.retryAfterSeconds / 60);
      return renderStep(ctx, interaction, `Too many wrong codes. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`);
    }
    requestLog(ctx, deps.logger).info({ event: 'login.second_factor.failed', accountId }, 'wrong second factor code');
    ctx.status = 401;
    return renderStep(ctx, interaction, 'That code is not right. Check your authenticator app and try again.');
  });

  return {
    async passwordAccepted(ctx, interaction, account) {
      if (!deps.secondFactor.isEnrolled(account)) {
        deps.loginMetrics?.succeeded();
        return deps.finish(ctx, { login: { accountId: account.id, amr: ['pwd'], acr: ACR_PASSWORD } }, false);
      }
      const expires = Math.floor(Date.now() / 1000) + PENDING_SECONDS;
      ctx.cookies.set(PENDING_COOKIE, `${interaction.uid}.${account.id}.${expires}`, { ...cookieOptions(ctx, interaction.uid), maxAge: PENDING_SECONDS * 1000 });
      ctx.status = 303;
      ctx.redirect(stepUrl(interaction));
    },
  };
}
