import Router from '@koa/router';
import type { Context } from 'koa';
import type { AccountRecord } from '../accounts/account-repository.js';
import type { AccountService } from '../accounts/account-service.js';
import { countSignInCode, type CodeCheck, type SecondFactorService } from '../accounts/second-factor.js';
import { formField } from '../http/form-field.js';
import { readBody } from '../http/read-body.js';
import type { Views } from '../http/views.js';
import type { Logger } from '../observability/logger.js';
import type { LoginMetrics } from '../observability/metrics.js';
import { requestLog } from '../observability/request-observer.js';
import type { CsrfTokens } from '../security/csrf.js';
import type { ReplayCache } from '../store/replay-cache.js';
import { admitSignIn, reportFailedSignIn, type LoginThrottle } from '../security/login-throttle.js';
import { setPageHeaders } from '../security/headers.js';
import { createAccountSessions, type AccountSession } from './account-session.js';
import { qrCodeDataUrl } from './qr-code.js';

export interface AccountSecurityDeps {
  accounts: AccountService;
  secondFactor: SecondFactorService;
  views: Views;
  csrf: CsrfTokens;
  /** The same counters as the login page: a guess here counts there, and the reverse. */
  throttle: LoginThrottle;
  /** Where signing out records the session as ended (shared through Redis when it is the store). */
  replayCache: ReplayCache;
  logger: Logger;
  /** Sign-ins by outcome, counted with the login page's. */
  loginMetrics?: LoginMetrics;
  /** Where the pages live, e.g. "/account/security" (with the issuer's path in front, if any). */
  prefix: string;
}

const SIGN_IN_FAILED = 'Incorrect username or password.';
const ALREADY_ENROLLED = 'An authenticator app is already set up for this account, so this form changed nothing. '
  + 'If you did not save the recovery codes shown when it was set up, turn two-step verification off and set it up again.';

/**
 * /account/security: where people turn two-step verification on and off. It has its own sign-in
 * (password, then the current code once an authenticator is set up) and a 15-minute session, so
 * it depends on no application. Every form carries a CSRF token bound to that session.
 */
export function createAccountSecurityRouter(deps: AccountSecurityDeps): Router {
  const { views, csrf, prefix, secondFactor } = deps;
  const router = new Router({ prefix });
  const forms = readBody('form', '16kb');
  const sessions = createAccountSessions({ path: prefix, replayCache: deps.replayCache });

  const render = async (ctx: Context, name: string, locals: Record<string, unknown>) => {
    setPageHeaders(ctx);
    ctx.type = 'html';
    ctx.body = await views.render(name, { prefix, ...locals });
  };
  const refuseForgedForm = (ctx: Context, purpose: string) => {
    if (!csrf.verify(purpose, (ctx.request.body as Record<string, unknown> | undefined)?.['csrf'])) {
      ctx.throw(403, 'This form has expired or was not sent from our page. Go back and try again.');
    }
  };
  const seeOther = (ctx: Context, path = '') => {
    ctx.status = 303;
    ctx.redirect(`${prefix}${path}`);
  };

  const renderSignIn = async (ctx: Context, extra: { error?: string; username?: string; askCode?: boolean } = {}) => {
    const nonce = sessions.formNonce(ctx, true)!;
    await render(ctx, 'account-sign-in', {
      action: `${prefix}/sign-in`, csrf: csrf.issue(`account-sign-in:${nonce}`),
      error: extra.error ?? '', username: extra.username ?? '', askCode: extra.askCode ?? false,
    });
  };
  const renderOverview = async (ctx: Context, session: AccountSession, account: AccountRecord, notice = '', error = '') => {
    await render(ctx, 'account-security', {
      username: account.username,
      enrolled: secondFactor.isEnrolled(account),
      enrolledOn: account.secondFactor ? new Date(account.secondFactor.enrolledAt * 1000).toISOString().slice(0, 10) : '',
      recoveryCodesLeft: account.secondFactor?.recoveryCodeHashes.length ?? 0,
      csrf: csrf.issue(`account:${session.nonce}`),
      notice,
      error,
    });
  };
  /** The signed-in account, or undefined after answering with the sign-in page. */
  const signedIn = async (ctx: Context): Promise<{ session: AccountSession; account: AccountRecord } | undefined> => {
    const session = await sessions.current(ctx);
    const account = session ? await deps.accounts.findActive(session.accountId) : undefined;
    if (session && account) return { session, account };
    if (session) await sessions.end(ctx);
    if (ctx.method === 'GET') await renderSignIn(ctx);
    else seeOther(ctx);
    return undefined;
  };
  const codeProblem = (ctx: Context, check: Exclude<CodeCheck, { ok: true }>): string => {
    if (check.reason === 'locked') {
      ctx.status = 429;
      ctx.set('Retry-After', String(check.retryAfterSeconds));
      return `Too many wrong codes. Try again in ${Math.ceil(check.retryAfterSeconds / 60)} minutes.`;
    }
    ctx.status = 401;
    return 'That code is not right. Check your authenticator app and try again.';
  };

  router.get('/', async (ctx) => {
    const current = await signedIn(ctx);
    if (current) await renderOverview(ctx, current.session, current.account);
  });

  router.post('/sign-in', forms, async (ctx) => {
    refuseForgedForm(ctx, `account-sign-in:${sessions.formNonce(ctx, false) ?? ''}`);
    const username = formField(ctx, 'username', 256);
    const attempt = { username, ip: ctx.ip };
    const admission = await admitSignIn(ctx, attempt, {
      throttle: deps.throttle, logger: deps.logger, message: 'account page sign-in throttled',
      render: (wait) => renderSignIn(ctx, { error: `Too many attempts. Try again in ${Math.ceil(wait / 60)} minutes.`, username }),
    });
    if (!admission) return;
    const account = await deps.accounts.authenticate(username, formField(ctx, 'password', 1024));
    if (!account) {
      requestLog(ctx, deps.logger).info({ event: 'account_security.sign_in.failed', ip: ctx.ip }, 'account page sign-in failed');
      reportFailedSignIn(ctx, admission, { logger: deps.logger, metrics: deps.loginMetrics });
      ctx.status = 401;
      return renderSignIn(ctx, { error: SIGN_IN_FAILED, username });
    }
    // The password was right: no failure, whatever the second factor says (it has its own lock).
    await deps.throttle.succeeded(attempt);
    if (secondFactor.isEnrolled(account)) {
      const code = formField(ctx, 'code', 64);
      if (!code.trim()) {
        ctx.status = 401;
        return renderSignIn(ctx, { error: 'Enter the code from your authenticator app, or a recovery code.', username, askCode: true });
      }
      const check = await secondFactor.check(account.id, code);
      countSignInCode(check, deps.loginMetrics);
      // Removed by an administrator since the password was checked: the password is what remains.
      if (!check.ok && check.reason !== 'not_enrolled') return renderSignIn(ctx, { error: codeProblem(ctx, check), username, askCode: true });
    } else {
      deps.loginMetrics?.succeeded();
    }
    sessions.start(ctx, account.id);
    requestLog(ctx, deps.logger).info({ event: 'account_security.sign_in.succeeded', accountId: account.id }, 'account page sign-in');
    seeOther(ctx);
  });

  router.post('/sign-out', forms, async (ctx) => {
    const current = await signedIn(ctx);
    if (!current) return;
    refuseForgedForm(ctx, `account:${current.session.nonce}`);
    await sessions.end(ctx, current.session);
    seeOther(ctx);
  });

  router.get('/authenticator', async (ctx) => {
    const current = await signedIn(ctx);
    if (!current) return;
    if (secondFactor.isEnrolled(current.account)) return seeOther(ctx);
    const { secret, uri } = secondFactor.newSecret(current.account);
    await renderEnrolment(ctx, current.session, secret, uri);
  });

  const renderEnrolment = async (ctx: Context, session: AccountSession, secret: string, uri: string, error = '') => {
    await render(ctx, 'account-authenticator', {
      action: `${prefix}/authenticator`,
      csrf: csrf.issue(`account:${session.nonce}`),
      // Binds the secret shown to this session: the form cannot enrol a secret of someone else's choosing.
      enrolment: csrf.issue(`account-enrol:${session.nonce}:${secret}`),
      secret,
      secretGroups: secret.match(/.{1,4}/g)!.join(' '),
      qrCode: await qrCodeDataUrl(uri),
      error,
    });
  };

  router.post('/authenticator', forms, async (ctx) => {
    const current = await signedIn(ctx);
    if (!current) return;
    const { session, account } = current;
    refuseForgedForm(ctx, `account:${session.nonce}`);
    const secret = formField(ctx, 'secret', 64);
    if (!csrf.verify(`account-enrol:${session.nonce}:${secret}`, formField(ctx, 'enrolment', 128))) {
      ctx.throw(403, 'This form has expired or was not sent from our page. Go back and try again.');
    }
    // A second submission of the form (a double click, a reload): the first one's codes are the
    // ones that work. The check here is a shortcut; enrol() decides atomically.
    const alreadyEnrolled = async () => {
      ctx.status = 409;
      await renderOverview(ctx, session, (await deps.accounts.findById(account.id)) ?? account, '', ALREADY_ENROLLED);
    };
    if (secondFactor.isEnrolled(account)) return alreadyEnrolled();
    const enrolled = await secondFactor.enrol(account.id, secret, formField(ctx, 'code', 64));
    if (!enrolled.ok && enrolled.reason === 'already_enrolled') return alreadyEnrolled();
    if (!enrolled.ok) {
      ctx.status = 400;
      return renderEnrolment(ctx, session, secret, secondFactor.uriFor(account, secret), 'That code is not right. Check the time on your phone and try the newest code.');
    }
    requestLog(ctx, deps.logger).info({ event: 'account_security.second_factor.enrolled', accountId: account.id }, 'authenticator app enrolled');
    await render(ctx, 'account-recovery-codes', { recoveryCodes: enrolled.recoveryCodes });
  });

  router.post('/authenticator/remove', forms, async (ctx) => {
    const current = await signedIn(ctx);
    if (!current) return;
    const { session, account } = current;
    refuseForgedForm(ctx, `account:${session.nonce}`);
    const code = formField(ctx, 'code', 64);
    if (!secondFactor.isEnrolled(account)) return seeOther(ctx);
    if (!code.trim()) {
      // Enter on the empty field (the form is novalidate): no code was tried, so none is counted.
      ctx.status = 400;
      return renderOverview(ctx, session, account, '', 'Enter a current code from your authenticator app, or a recovery code, to turn it off.');
    }
    const check = await secondFactor.check(account.id, code);
    if (!check.ok) {
      if (check.reason === 'not_enrolled') return seeOther(ctx);
      return renderOverview(ctx, session, account, '', codeProblem(ctx, check));
    }
    await secondFactor.reset(account.id);
    requestLog(ctx, deps.logger).info({ event: 'account_security.second_factor.removed', accountId: account.id }, 'authenticator app removed');
    await renderOverview(ctx, session, (await deps.accounts.findById(account.id))!, 'Two-step verification is off. Your recovery codes no longer work.');
  });

  return router;
}
