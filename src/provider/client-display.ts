import type { Client } from 'oidc-provider';
import type { StartAgain } from '../http/error-page.js';

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

export function clientDisplayName(client: Client | undefined, fallback: string): string {
  return client?.clientName ?? client?.clientId ?? fallback;
}

/**
 * Where a user can start signing in to this client again: its login initiation endpoint
 * (OpenID Connect Core §4, given our `iss`) when registered, else its home page.
 */
export function startAgainFor(client: Client | undefined, issuer: string): StartAgain | undefined {
  if (!client) return undefined;
  const initiate = safeHttpUrl(client.initiateLoginUri);
  let url = safeHttpUrl(client.clientUri);
  if (initiate) {
    const target = new URL(initiate);
    target.searchParams.set('iss', issuer);
    url = target.href;
  }
  return url ? { clientName: clientDisplayName(client, client.clientId), url } : undefined;
}
