import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { createFlatLogLine } from '../observability/flat-log-line.js';
import type { Logger } from '../observability/logger.js';
import { providerContext } from '../observability/provider-events.js';
import { requestIdOf, requestLog } from '../observability/request-observer.js';

/** The token models whose life we audit (authorization codes included: they are credentials too). */
const TOKEN_MODELS = ['access_token', 'client_credentials', 'refresh_token', 'authorization_code'] as const;

/** What we log of a token: who and what it is for, never its value (an opaque token's jti IS its value). */
interface TokenLike {
  kind?: string;
  clientId?: string;
  accountId?: string;
  grantId?: string;
  scope?: string;
}

// Led by the id of the request the event happened in (as on its other lines, which a child logger writes).
const describe = (event: string, token: TokenLike) => ({
  reqId: requestIdOf(providerContext() as never),
  event,
  kind: token.kind,
  clientId: token.clientId,
  accountId: token.accountId,
  grantId: token.grantId,
  scope: token.scope,
});

/**
 * Turns oidc-provider's events into structured audit log lines (field `event`): tokens issued,
 * used up and revoked, with the account and grant they belong to, and clients registered,
 * changed and deleted. Grant revocations and logouts are logged by observeProviderEvents
 * (observability/provider-events.ts); our own routes log sign-ins and consents.
 */
export function auditProviderEvents(provider: Provider, logger: Logger): void {
  // The typings declare one overload per event name; names built in a loop need the plain EventEmitter form.
  const on = provider.on.bind(provider) as (event: string, listener: (...args: never[]) => void) => unknown;
  // One of these lines comes with nearly every token request: the flat writer, not pino's general path.
  const logLine = createFlatLogLine(logger);
  for (const model of TOKEN_MODELS) {
    // `saved`: stored (opaque); `issued`: handed out without storage (JWT access tokens).
    on(`${model}.saved`, (token: TokenLike) => logLine(describe('token.issued', token), 'token issued'));
    on(`${model}.issued`, (token: TokenLike) => logLine(describe('token.issued', token), 'token issued'));
    on(`${model}.consumed`, (token: TokenLike) => logLine(describe('token.consumed', token), 'token used up'));
    on(`${model}.destroyed`, (token: TokenLike) => logLine(describe('token.revoked', token), 'token revoked'));
  }
  const clientEvent = (name: string, event: string) => on(name, (ctx: KoaContextWithOIDC, client?: { clientId: string }) => {
    requestLog(ctx as never, logger).info({ event, clientId: client?.clientId ?? ctx.oidc.client?.clientId }, event.replace('.', ' '));
  });
  clientEvent('registration_create.success', 'client.registered');
  clientEvent('registration_update.success', 'client.updated');
  clientEvent('registration_delete.success', 'client.deleted');
}
