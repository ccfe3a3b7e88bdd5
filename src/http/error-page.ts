import type { PageStrings } from './strings/page-strings.js';

/** Where a user whose sign-in page expired can start again: the client's own sign-in entry. */
export interface StartAgain {
  clientName: string;
  url: string;
}

export interface ErrorPage {
  view: 'error' | 'expired';
  locals: Record<string, unknown>;
}

/**
 * The page for an error a browser sees: which template, and its words from the catalog. An
 * expired or unknown interaction gets its own page that leads back to the application instead of
 * a dead end.
 */
export function errorPage(
  out: { status: number; error: string; description: string },
  strings: PageStrings,
  options: { expired?: boolean; startAgain?: StartAgain | undefined } = {},
): ErrorPage {
  if (options.expired) return { view: 'expired', locals: { startAgain: options.startAgain } };
  const t = strings.error;
  if (out.status === 503) {
    return page(t.unavailableTitle, t.unavailable, { errorCode: out.error });
  }
  if (out.status >= 500) return page(t.failedTitle, t.failed, { errorCode: out.error });
  if (out.status === 404) return page(t.notFoundTitle, t.notFound, {});
  const own = (t.byCode as Readonly<Record<string, string>>)[out.error];
  return page(t.rejectedTitle, own ?? t.rejected, {
    details: own ? '' : out.description,
    hint: t.hint,
    errorCode: out.error,
  });
}

function page(title: string, message: string, extra: { details?: string; hint?: string; errorCode?: string }): ErrorPage {
  return { view: 'error', locals: { title, message, details: '', hint: '', errorCode: '', ...extra } };
}
