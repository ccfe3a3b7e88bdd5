/**
 * A fixed-window counter of failed sign-ins per key, in this process's memory: enough to slow
 * password guessing on the account pages. (The authorization server's login route has its own.)
 */
export interface SignInThrottle {
  /** Seconds to wait before trying again, or 0 when the key may try now. */
  retryAfter(key: string): number;
  recordFailure(key: string): void;
  reset(key: string): void;
}

export function createSignInThrottle(options: { maxFailures: number; windowMs: number; now?: () => number }): SignInThrottle {
  const now = options.now ?? Date.now;
  const windows = new Map<string, { failures: number; endsAt: number }>();
  const live = (key: string) => {
    const window = windows.get(key);
    if (window && window.endsAt <= now()) {
      windows.delete(key);
      return undefined;
    }
    return window;
  };

  return {
    retryAfter(key) {
      const window = live(key);
      return window && window.failures >= options.maxFailures ? Math.ceil((window.endsAt - now()) / 1000) : 0;
    },
    recordFailure(key) {
      const window = live(key) ?? { failures: 0, endsAt: now() + options.windowMs };
      window.failures += 1;
      windows.set(key, window);
      // Bounded memory: forget finished windows when the map grows.
      if (windows.size > 10_000) for (const candidate of [...windows.keys()]) live(candidate);
    },
    reset(key) {
      windows.delete(key);
    },
  };
}
