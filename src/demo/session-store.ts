import { randomBytes } from 'node:crypto';

/** What the demo remembers per browser. Tokens stay on the server; the browser holds an id only. */
export interface DemoSession {
  /** Anti-CSRF token for the demo's own forms. */
  readonly csrf: string;
  /** The authorization request in flight: checked and spent at the callback. */
  pending?: { state: string; nonce: string; codeVerifier: string };
  tokens?: DemoTokens;
  /** The outcome of the last action, shown once. */
  notice?: { kind: 'info' | 'error'; text: string };
  apiResult?: { request: string; status: number; body: string };
  /** The `state` sent with the logout request, to recognise the return from Gatehouse. */
  logoutState?: string;
}

export interface DemoTokens {
  idToken: string;
  accessToken: string;
  refreshToken: string | undefined;
  /** Epoch seconds. */
  expiresAt: number | undefined;
  scope: string | undefined;
  idTokenClaims: Record<string, unknown>;
  refreshedAt?: number;
}

export interface SessionStore {
  create(): { id: string; session: DemoSession };
  get(id: string | undefined): DemoSession | undefined;
  delete(id: string): void;
}

/**
 * In-memory sessions for one demo process, bounded in number and idle time: enough for a demo,
 * and nothing here outlives a restart (the user simply signs in again).
 */
export function createSessionStore(options: { maxSessions?: number; idleMs?: number; now?: () => number } = {}): SessionStore {
  const maxSessions = options.maxSessions ?? 1000;
  const idleMs = options.idleMs ?? 60 * 60_000;
  const now = options.now ?? Date.now;
  const sessions = new Map<string, { session: DemoSession; seen: number }>();

  return {
    create() {
      // Map iteration is insertion order and get() re-inserts: the first entries are the least recently used.
      while (sessions.size >= maxSessions) sessions.delete(sessions.keys().next().value!);
      const id = randomBytes(24).toString('base64url');
      const session: DemoSession = { csrf: randomBytes(24).toString('base64url') };
      sessions.set(id, { session, seen: now() });
      return { id, session };
    },
    get(id) {
      const entry = id ? sessions.get(id) : undefined;
      if (!entry || !id) return undefined;
      sessions.delete(id);
      if (now() - entry.seen > idleMs) return undefined;
      sessions.set(id, { session: entry.session, seen: now() });
      return entry.session;
    },
    delete(id) {
      sessions.delete(id);
    },
  };
}
