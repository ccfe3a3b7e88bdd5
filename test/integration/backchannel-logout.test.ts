import { afterEach, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { Browser } from '../helpers/browser.js';
import { signIn } from '../helpers/oauth.js';
import { registerClient } from '../helpers/register-client.js';
import { useGatehouse } from '../helpers/use-gatehouse.js';

const REDIRECT_URI = 'http://localhost:8080/callback';
const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

interface Delivery {
  logoutToken: string;
  response: ServerResponse;
}

/** A relying party's back-channel logout endpoint on loopback; the test decides how it answers. */
class Receiver {
  readonly deliveries: Delivery[] = [];
  #waiters: (() => void)[] = [];
  #server: Server;
  url = '';

  constructor(private readonly answer: (delivery: Delivery, index: number) => void) {
    this.#server = createServer((request, response) => void this.#receive(request, response));
  }

  async start(): Promise<this> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/backchannel-logout`;
    return this;
  }

  /** Resolves once `count` deliveries have arrived. */
  async received(count: number): Promise<Delivery[]> {
    while (this.deliveries.length < count) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    return this.deliveries.slice(0, count);
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  async #receive(request: IncomingMessage, response: ServerResponse) {
    let body = '';
    for await (const chunk of request) body += chunk;
    const delivery = { logoutToken: new URLSearchParams(body).get('logout_token') ?? '', response };
    this.deliveries.push(delivery);
    this.answer(delivery, this.deliveries.length - 1);
    for (const wake of this.#waiters.splice(0)) wake();
  }
}

const { server } = useGatehouse();
let receivers: Receiver[] = [];

afterEach(async () => {
  await Promise.all(receivers.map((receiver) => receiver.close()));
  receivers = [];
});

async function receiver(answer: (delivery: Delivery, index: number) => void) {
  const started = await new Receiver(answer).start();
  receivers.push(started);
  return started;
}

/** Registers a client with a back-channel logout URI, signs the demo user in to it, and returns what logging out needs. */
async function signedInClient(backchannelUri: string) {
  const config = await registerClient(server.issuer, {
    client_name: 'Back-channel test app',
    redirect_uris: [REDIRECT_URI],
    post_logout_redirect_uris: ['http://localhost:8080/'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    backchannel_logout_uri: backchannelUri,
    backchannel_logout_session_required: true,
  });
  const browser = new Browser();
  const { tokens } = await signIn(config, { browser, redirectUri: REDIRECT_URI, scope: 'openid' });
  return { config, browser, idToken: tokens.id_token!, claims: tokens.claims()! };
}

/** The first back-channel logout log line that `matches`, waited for (retries come seconds later). */
async function logLine(matches: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  for (let tries = 0; tries < 500; tries++) {
    const found = server.logs.map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line['event'] === 'backchannel_logout' && matches(line));
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('no such back-channel logout log line');
}

/** The user signs out at Gatehouse (RP-initiated logout, confirmed on our page). */
async function signOut(browser: Browser, config: client.Configuration, idToken: string) {
  const confirmation = await browser.open(client.buildEndSessionUrl(config, { id_token_hint: idToken, post_logout_redirect_uri: 'http://localhost:8080/' }));
  return browser.submit(confirmation, '/oauth/logout', { logout: 'yes' }, (url) => url.origin === 'http://localhost:8080');
}

describe('OIDC back-channel logout', () => {
  it('advertises back-channel logout with sessions in discovery', async () => {
    const metadata = await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
    expect(metadata).toMatchObject({ backchannel_logout_supported: true, backchannel_logout_session_supported: true });
  });

  it('posts a logout token, signed by us and naming the user and session, when the user signs out', async () => {
    const rp = await receiver(({ response }) => response.writeHead(200).end());
    const { config, browser, idToken, claims } = await signedInClient(rp.url);
    const back = await signOut(browser, config, idToken);
    expect(back.url.origin).toBe('http://localhost:8080');

    const [delivery] = await rp.received(1);
    const jwks = createRemoteJWKSet(new URL(`${server.issuer}/oauth/jwks`));
    const { payload, protectedHeader } = await jwtVerify(delivery!.logoutToken, jwks, {
      issuer: server.issuer, audience: config.clientMetadata().client_id, typ: 'logout+jwt', maxTokenAge: '2 minutes',
    });
    expect(protectedHeader.typ).toBe('logout+jwt');
    expect(payload).toMatchObject({ sub: claims.sub, sid: claims['sid'], events: { [BACKCHANNEL_EVENT]: {} } });
    expect(typeof payload.jti).toBe('string');
    expect(payload).not.toHaveProperty('nonce');
  });

  it('retries a receiver that failed, and logs both without the token', async () => {
    const rp = await receiver(({ response }, index) => response.writeHead(index === 0 ? 503 : 204).end());
    const { config, browser, idToken } = await signedInClient(rp.url);
    await signOut(browser, config, idToken);

    const [first, second] = await rp.received(2);
    expect(second!.logoutToken).not.toBe(first!.logoutToken);
    const clientId = config.clientMetadata().client_id;
    const events = () => server.logs.map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line['event'] === 'backchannel_logout' && line['clientId'] === clientId);
    // The second answer reaches Gatehouse just after the receiver got the request.
    for (let tries = 0; events().length < 2 && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(events().map((line) => [line['attempt'], line['msg']])).toEqual([
      [1, 'back-channel logout failed; will retry'],
      [2, 'back-channel logout delivered'],
    ]);
    expect(server.logs.join('\n')).not.toContain(first!.logoutToken);
  });

  it('logs a failure without the key a client put in its logout URI', async () => {
    const rp = await receiver(({ response }, index) => response.writeHead(index === 0 ? 500 : 204).end());
    const key = `key-${randomBytes(12).toString('hex')}`;
    const { config, browser, idToken } = await signedInClient(`${rp.url}?key=${key}`);
    await signOut(browser, config, idToken);

    await rp.received(1);
    const failure = await logLine((line) => line['clientId'] === config.clientMetadata().client_id && line['attempt'] === 1);
    expect(failure['reason']).toBe(`expected 200 OK from ${rp.url}, got: 500 Internal Server Error`);
    expect(server.logs.join('\n')).not.toContain(key);
  });

  it('sends no retry to a client deleted since the failed attempt (RFC 7592)', async () => {
    const rp = await receiver(({ response }) => response.writeHead(503).end());
    const { config, browser, idToken } = await signedInClient(rp.url);
    const clientId = config.clientMetadata().client_id;
    await signOut(browser, config, idToken);
    await rp.received(1);

    const metadata = config.clientMetadata() as { registration_client_uri?: string; registration_access_token?: string };
    const deleted = await fetch(metadata.registration_client_uri!, { method: 'DELETE', headers: { authorization: `Bearer ${metadata.registration_access_token}` } });
    expect(deleted.status).toBe(204);
    const dropped = await logLine((line) => line['clientId'] === clientId && line['attempt'] === 2);
    expect(dropped['msg']).toBe('back-channel logout dropped: the client is no longer registered');
    expect(rp.deliveries).toHaveLength(1);
  });

  it('never holds up the user: the logout completes while the receiver is still not answering', async () => {
    const rp = await receiver(() => {});
    const { config, browser, idToken } = await signedInClient(rp.url);
    const signingOut = signOut(browser, config, idToken);
    const [held] = await rp.received(1);
    const back = await signingOut;
    expect(back.url.origin).toBe('http://localhost:8080');
    expect(held!.response.headersSent).toBe(false);
    held!.response.writeHead(200).end();
  });
});
