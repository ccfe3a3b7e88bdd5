import type { ErrorOut, KoaContextWithOIDC } from 'oidc-provider';
import type { Views } from '../http/views.js';
import { pageFor, toPublicError } from '../http/error-handler.js';
import { setPageHeaders } from '../security/headers.js';

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
      await render(ctx, 'error', pageFor({ status, error: out.error, description: out.error_description ?? '' }));
    },
    async logoutSource(ctx: KoaContextWithOIDC, form: string) {
      // `form` is oidc-provider's own markup (action URL and xsrf token); everything else is escaped.
      const client = ctx.oidc.client;
      await render(ctx, 'logout', { form, clientName: client?.clientName ?? client?.clientId ?? '' });
    },
    async postLogoutSuccessSource(ctx: KoaContextWithOIDC) {
      const client = ctx.oidc.client;
      await render(ctx, 'logged-out', {
        clientName: client?.clientName ?? client?.clientId ?? '',
        clientUri: safeHttpUrl(client?.clientUri),
      });
    },
  };
}

/** Only http(s) links are shown to users; anything else (javascript:, data:) is dropped. */
export function safeHttpUrl(value: string | undefined): string {
  if (!value) return '';
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : '';
  } catch {
    return '';
  }
}
