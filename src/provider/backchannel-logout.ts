import type Provider from 'oidc-provider';
import type { Client } from 'oidc-provider';
import type { Logger } from '../observability/logger.js';

/** OIDC Back-Channel Logout 1.0: clients may register `backchannel_logout_uri` (and `_session_required`). */
export function backchannelLogoutFeature() {
  return { enabled: true };
}

export interface BackchannelDeliveryOptions {
  logger: Logger;
  /** Waits before each retry; one attempt plus one per entry. */
  retryDelaysMs?: readonly number[];
}

export interface BackchannelDelivery {
  /** Cancels waiting retries and waits for attempts in flight (each bounded by the provider's 2.5 s timeout). */
  close(): Promise<void>;
}

type SendLogout = (this: Client, sub: string, sid: string) => Promise<void>;

const DEFAULT_RETRY_DELAYS_MS = [2_000, 10_000, 60_000];

/**
 * oidc-provider posts each logout token inside the user's logout request and waits for every
 * receiver (up to 2.5 s each), trying once. We take delivery out of the request: the provider's
 * per-client `backchannelLogout` is wrapped so the user's logout returns at once while a
 * background queue sends the token (OIDC Back-Channel Logout §2.5, a fresh token with a new jti
 * on every attempt), retries failures with growing delays and logs every outcome. The queue lives
 * in this process: retries still waiting when it stops are logged as undelivered.
 */
export function deliverBackchannelLogoutsInBackground(provider: Provider, options: BackchannelDeliveryOptions): BackchannelDelivery {
  const delays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const log = options.logger.child({ component: 'backchannel-logout' });
  const prototype = provider.Client.prototype as unknown as { backchannelLogout: SendLogout };
  const send = prototype.backchannelLogout;
  const waiting = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<void>>();
  let closed = false;

  const attempt = (client: Client, sub: string, sid: string, attemptNo: number): void => {
    const context = { event: 'backchannel_logout', clientId: client.clientId, attempt: attemptNo };
    const delivery = send.call(client, sub, sid).then(
      () => log.info(context, 'back-channel logout delivered'),
      (error: Error) => {
        const delay = delays[attemptNo - 1];
        if (delay === undefined || closed) {
          log.error({ ...context, reason: error.message }, 'back-channel logout failed; giving up');
          return;
        }
        log.warn({ ...context, reason: error.message, retryInMs: delay }, 'back-channel logout failed; will retry');
        const timer = setTimeout(() => {
          waiting.delete(timer);
          attempt(client, sub, sid, attemptNo + 1);
        }, delay);
        waiting.add(timer);
      },
    ).finally(() => inFlight.delete(delivery));
    inFlight.add(delivery);
  };

  prototype.backchannelLogout = async function queueLogout(this: Client, sub: string, sid: string) {
    if (!closed) attempt(this, sub, sid, 1);
  };

  return {
    async close() {
      closed = true;
      for (const timer of waiting) clearTimeout(timer);
      if (waiting.size > 0) log.warn({ event: 'backchannel_logout', undelivered: waiting.size }, 'stopping with back-channel logouts undelivered');
      waiting.clear();
      await Promise.all([...inFlight]);
    },
  };
}
