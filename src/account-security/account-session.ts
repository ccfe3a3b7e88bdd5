import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { ReplayCache } from '../store/replay-cache.js';

/** Signed with the cookie keys; holds the account id, an expiry and a nonce that CSRF tokens are bound to. */
const SESSION_COOKIE = 'gatehouse.account';
/** Before signing in: a nonce for the sign-in form's CSRF token. */
const FORM_COOKIE = 'gatehouse.account_form';
/** Short on purpose: these pages change how the account is protected. */
export const ACCOUNT_SESSION_SECONDS = 15 * 60;

export interface AccountSession {
  accountId: string;
  nonce: string;
  /** Epoch seconds. */
  expires: number;
}

/**
 * The account pages' own small session, separate from the authorization server's. It lives in a
 * signed cookie; signing out also records its nonce as ended in the store's replay cache until
 * it would have expired, so a copy of the cookie stops working too.
 */
export function createAccountSessions(deps: { path: string; replayCache: ReplayCache }) {
  const endedKey = (nonce: string) => `account-session-ended:${nonce}`;
  const options = (ctx: Context, maxAgeSeconds?: number) => ({
    signed: true, httpOnly: true, sameSite: 'strict' as const, secure: ctx.secure, path: deps.path, overwrite: true,
    ...(maxAgeSeconds ? { maxAge: maxAgeSeconds * 1000 } : {}),
  });

  return {
    async current(ctx: Context): Promise<AccountSession | undefined> {
      const [accountId, expiresText, nonce] = (ctx.cookies.get(SESSION_COOKIE, { signed: true }) ?? '').split('.');
      const expires = Number(expiresText);
      if (!accountId || !nonce || !(expires > Date.now() / 1000)) return undefined;
      return await deps.replayCache.held(endedKey(nonce)) ? undefined : { accountId, nonce, expires };
    },
    start(ctx: Context, accountId: string): void {
      const expires = Math.floor(Date.now() / 1000) + ACCOUNT_SESSION_SECONDS;
      ctx.cookies.set(SESSION_COOKIE, `${accountId}.${expires}.${randomBytes(16).toString('base64url')}`, options(ctx, ACCOUNT_SESSION_SECONDS));
      ctx.cookies.set(FORM_COOKIE, null, options(ctx));
    },
    async end(ctx: Context, session?: AccountSession): Promise<void> {
      ctx.cookies.set(SESSION_COOKIE, null, options(ctx));
      if (session) await deps.replayCache.claim(endedKey(session.nonce), Math.max(1, session.expires * 1000 - Date.now()));
    },
    /** The sign-in form's nonce, created when the form is first shown. */
    formNonce(ctx: Context, create: boolean): string | undefined {
      const existing = ctx.cookies.get(FORM_COOKIE, { signed: true });
      if (existing || !create) return existing;
      const nonce = randomBytes(16).toString('base64url');
      ctx.cookies.set(FORM_COOKIE, nonce, options(ctx, 30 * 60));
      return nonce;
    },
  };
}

/**
 * "Sign out of Gatehouse" (RP-initiated logout, `logout=yes`) ends the account pages' session in
 * that browser too: left signed in there, the next person at the browser could set up their own
 * authenticator on the account. The logout request does not carry that cookie (it is scoped to
 * the account pages' path), so it is cleared there by name; signing out on the account pages
 * themselves also stops copies of it.
 */
export function endAccountSessionOnSignOut(provider: Provider, deps: { path: string }): void {
  provider.on('end_session.success', (ctx) => {
    if (!ctx.oidc.params?.['logout']) return;
    ctx.cookies.set(SESSION_COOKIE, null, { signed: true, httpOnly: true, sameSite: 'strict', secure: ctx.secure, path: deps.path, overwrite: true });
  });
}
