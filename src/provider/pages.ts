import type { ErrorOut, KoaContextWithOIDC } from 'oidc-provider';
import { toPublicError } from '../http/error-handler.js';
import { errorPage } from '../http/error-page.js';
import type { Views } from '../http/views.js';
import { setPageHeaders } from '../security/headers.js';
import { clientDisplayName, safeHttpUrl, startAgainFor } from './client-display.js';

/** The provider's own HTML moments (errors, logout) rendered with our templates. */
export function createProviderPages(views: Views) {
  const render = async (ctx: KoaContextWithOIDC, name: string, locals: Record<string, unknown>) => {
    setPageHeaders(ctx);
    ctx.type = 'html';
    ctx.body = await views.render(name, locals);
  };

  return {
    async renderError(ctx: KoaContextWithOIDC, out: ErrorOut, error: Error) {
      const status = ctx.status || toPublicError(error).status;
      // SessionNotFound: the interaction behind a resumed authorization is gone (expired or used).
      const page = errorPage({ status, error: out.error, description: out.error_description ?? '' }, views.strings, {
        expired: error.name === 'SessionNotFound',
        startAgain: ctx.oidc ? startAgainFor(ctx.oidc.client, ctx.oidc.issuer) : undefined,
      });
      await render(ctx, page.view, page.locals);
    },
    async logoutSource(ctx: KoaContextWithOIDC, form: string) {
      // `form` is oidc-provider's own markup (action URL and xsrf token); everything else is escaped.
      const client = ctx.oidc.client;
      // oidc-provider has already checked it against the client's registered post_logout_redirect_uris.
      const next = safeHttpUrl(ctx.oidc.params?.['post_logout_redirect_uri'] as string | undefined);
      await render(ctx, 'logout', {
        form,
        clientName: client ? clientDisplayName(client, '') : '',
        nextHost: client && next ? new URL(next).host : '',
      });
    },
    async postLogoutSuccessSource(ctx: KoaContextWithOIDC) {
      // oidc-provider names the client here only when the user chose to stay signed in to us.
      const client = ctx.oidc.client;
      await render(ctx, 'logged-out', {
        clientOnly: Boolean(client),
        clientName: client ? clientDisplayName(client, '') : '',
        clientUri: safeHttpUrl(client?.clientUri),
      });
    },
  };
}
