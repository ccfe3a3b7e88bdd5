import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';

/**
 * oidc-provider's prompts (login, then consent), with one more reason to ask for a sign-in: the
 * session's account no longer resolves. findAccount answers nothing for an account that was
 * deleted or disabled after it signed in; left alone, oidc-provider would carry on to its consent
 * checks without an account and fail with a 500 for the rest of the session. Such a session
 * counts as signed out instead: our login page, login_required for prompt=none (OIDC Core
 * §3.1.2.6), and a sign-in again on the device flow's confirm page.
 */
export function interactionPolicyWithAccountCheck(): interactionPolicy.DefaultPolicy {
  const policy = interactionPolicy.base();
  const login = policy.get('login');
  if (!login) throw new Error('oidc-provider has no login prompt to extend');
  login.checks.add(new interactionPolicy.Check(
    'account_unavailable',
    // What no_session says: to the client this is a browser that is not signed in.
    'End-User authentication is required',
    'login_required',
    (ctx: KoaContextWithOIDC) => Boolean(ctx.oidc.session?.accountId) && !ctx.oidc.account,
  ), 0);
  return policy;
}
