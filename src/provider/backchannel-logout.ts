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
        const reason = withoutUrlSecrets(error.message);
        if (delay === undefined || closed) {
          log.error({ ...context, reason }, 'back-channel logout failed; giving up');
          return;
        }
        log.warn({ ...context, reason, retryInMs: delay }, 'back-channel logout failed; will retry');
        const timer = setTimeout(() => {
          waiting.delete(timer);
          retry(client, sub, sid, attemptNo + 1);
        }, delay);
        waiting.add(timer);
      },
    ).finally(() => inFlight.delete(delivery));
    inFlight.add(delivery);
  };

  // A retry goes to the client as it is registered now: one deleted meanwhile (RFC 7592) gets
  // nothing more, and one that changed its URI gets the new one. If the store cannot say, the
  // retry goes where the first attempt went.
  const retry = (client: Client, sub: string, sid: string, attemptNo: number): void => {
    const lookup = provider.Client.find(client.clientId).then(
      (current) => {
        if (closed) return;
        if (current) attempt(current, sub, sid, attemptNo);
        else log.info({ event: 'backchannel_logout', clientId: client.clientId, attempt: attemptNo }, 'back-channel logout dropped: the client is no longer registered');
      },
      () => {
        if (!closed) attempt(client, sub, sid, attemptNo);
      },
    ).finally(() => inFlight.delete(lookup));
    inFlight.add(lookup);
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

/**
 * An error's message with every URL in it cut to scheme, host and path. Failures quote the
 * receiver's URI whole (fetch's refusal of a URL with credentials, oidc-provider's "expected 200
 * OK from <uri>"), and a client may have put a password or a key in it.
 */
function withoutUrlSecrets(message: string): string {
  return message.replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, (match) => {
    const text = match.replace(/[,.;:)]+$/, '');
    const tail = match.slice(text.length);
    const url = URL.parse(text);
    return url ? `${url.protocol}//${url.host}${url.pathname}${tail}` : `[a URL]${tail}`;
  });
}
