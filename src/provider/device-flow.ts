import { createHash } from 'node:crypto';
import type { Client, ErrorOut, KoaContextWithOIDC } from 'oidc-provider';
import type { Views } from '../http/views.js';
import { setPageHeaders } from '../security/headers.js';
import type { ReplayCache } from '../store/replay-cache.js';
import type { AddressLimit } from '../security/address-rate-limit.js';
import { providerRouteTest, ROUTES } from './routes.js';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** What each kind of failure on the code entry page says; `userCode` errors keep the typed code. */
const MESSAGES: Record<string, string> = {
  NoCodeError: 'Enter the code shown on your device.',
  NotFoundError: 'That code is not right. Check the code on your device and try again.',
  ExpiredError: 'That code has expired. Start again on your device to get a new one.',
  AlreadyUsedError: 'That code has already been used. Start again on your device to get a new one.',
  AbortedError: 'You cancelled. Your device was not connected.',
  access_denied: 'Access was not allowed. Your device was not connected.',
};

/**
 * RFC 8628 device authorization grant with our own pages. User codes are 8 letters from
 * oidc-provider's base-20 set (no vowels, no look-alikes: RFC 8628 §6.1), shown as XXXX-XXXX;
 * case and the dash do not matter when typed.
 */
export function deviceFlowFeature(views: Views) {
  const render = async (ctx: KoaContextWithOIDC, name: string, locals: Record<string, unknown>) => {
    setPageHeaders(ctx);
    ctx.type = 'html';
    ctx.body = await views.render(name, locals);
  };
  // Our forms post to oidc-provider's own endpoint with its session-bound anti-CSRF secret.
  const form = (ctx: KoaContextWithOIDC) => ({
    action: ctx.oidc.urlFor('code_verification'),
    xsrf: (ctx.oidc.session as unknown as { state?: { secret?: string } }).state?.secret ?? '',
  });
  const clientName = (client: Client | undefined) => client?.clientName ?? client?.clientId ?? 'An application';

  return {
    enabled: true,
    charset: 'base-20' as const,
    mask: '****-****',
    async userCodeInputSource(ctx: KoaContextWithOIDC, _form: string, out?: ErrorOut, err?: Error) {
      const error = err ? MESSAGES[err.name] ?? MESSAGES[out?.error ?? ''] ?? 'We could not connect your device. Start again on your device.' : '';
      await render(ctx, 'device-code', { ...form(ctx), error, userCode: (err as { userCode?: string } | undefined)?.userCode ?? '' });
    },
    async userCodeConfirmSource(ctx: KoaContextWithOIDC, _form: string, client: Client, deviceInfo: { ip?: string; ua?: string } | undefined, userCode: string) {
      await render(ctx, 'device-confirm', {
        ...form(ctx),
        clientName: clientName(client),
        userCode,
        deviceAddress: typeof deviceInfo?.ip === 'string' ? deviceInfo.ip : '',
      });
    },
    async successSource(ctx: KoaContextWithOIDC) {
      await render(ctx, 'device-done', { clientName: clientName(ctx.oidc.client) });
    },
  };
}

/**
 * Codes typed in at /oauth/device (and confirmations) per client address. A user code is 8 of
 * 20 letters (about 35 bits) and lives 10 minutes; unthrottled, one address tried 24,000 a
 * minute. RFC 8628 §5.1 asks for such a limit. A person connecting a few devices stays far below.
 */
export const DEVICE_CODE_ENTRY_LIMIT: AddressLimit = { points: 30, durationSeconds: 600 };

/**
 * oidc-provider (9.13) answers a code entry POST, or a return from sign-in (/oauth/device/:uid),
 * that comes without a session cookie with a 500: its error handler for these pages puts a new
 * anti-CSRF secret on a session it never saved, then saves that session as an existing one,
 * which throws. A browser comes without the cookie when it expired, was cleared or refused, and
 * such a request could not succeed anyway: the form's secret and the sign-in belong to the
 * session. This provider middleware sends it back to the code entry page (303), which starts a
 * session and asks for the code again.
 */
export function restartCodeEntryWithoutSession(deps: { sessionCookie: string; issuer: string }) {
  const pageUrl = `${deps.issuer}${ROUTES.code_verification}`;
  // Paths here are the provider's: after the issuer's path, where it is mounted.
  const isCodeEntry = providerRouteTest(ROUTES.code_verification);
  const isResume = providerRouteTest(ROUTES.code_verification, { below: 'only' });
  return async function restartCodeEntry(ctx: KoaContextWithOIDC, next: () => Promise<void>) {
    const codeEntry = ctx.method === 'POST' && isCodeEntry(ctx.path);
    const resume = (ctx.method === 'GET' || ctx.method === 'HEAD') && isResume(ctx.path);
    if ((codeEntry || resume) && !ctx.cookies.get(deps.sessionCookie, { signed: true })) {
      ctx.status = 303;
      ctx.redirect(pageUrl);
      return;
    }
    await next();
  };
}

export interface DevicePollingDeps {
  replayCache: ReplayCache;
  /** Seconds a device must wait between polls (RFC 8628 §3.2 `interval`; 5 when not sent). */
  intervalSeconds: number;
}

/**
 * oidc-provider sends no `interval` and never answers `slow_down`; this provider middleware adds
 * both. The device authorization response gains `interval`, and a poll that comes sooner than
 * that after the previous one for the same device code gets `slow_down` instead of
 * `authorization_pending` (RFC 8628 §3.5; the client then adds 5 s to its interval).
 */
export function devicePolling(deps: DevicePollingDeps) {
  // A little slack for timers and the network: a client that waits `interval` is never slowed.
  const windowMs = Math.max(500, deps.intervalSeconds * 1000 - 250);

  return async function limitDevicePolling(ctx: KoaContextWithOIDC, next: () => Promise<void>) {
    await next();
    const route = ctx.oidc?.route;
    const body = ctx.body as Record<string, unknown> | undefined;
    if (route === 'device_authorization' && ctx.status === 200 && body && typeof body['device_code'] === 'string') {
      body['interval'] = deps.intervalSeconds;
      return;
    }
    if (route !== 'token' || body?.['error'] !== 'authorization_pending') return;
    const deviceCode = ctx.oidc.params?.['device_code'];
    if (typeof deviceCode !== 'string') return;
    // The cache key is a hash: device codes are credentials and are not kept in clear.
    const key = `device-poll:${createHash('sha256').update(deviceCode).digest('base64url')}`;
    if (!(await deps.replayCache.claim(key, windowMs))) {
      ctx.body = { error: 'slow_down', error_description: `poll at most every ${deps.intervalSeconds} seconds, adding 5 seconds after each slow_down` };
    }
  };
}
