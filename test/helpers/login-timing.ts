import { Browser, findForm, type Page } from './browser.js';
import { authorizationUrl, pkcePair } from './requests.js';
import { median, quantile } from './stats.js';

export interface LoginTiming {
  tries: number;
  /** Median milliseconds of a failed login POST, as the client sees it. */
  unknownUserMs: number;
  wrongPasswordMs: number;
  /** |unknown - wrong| / wrong. */
  difference: number;
  unknownUserP90Ms: number;
  wrongPasswordP90Ms: number;
}

/**
 * Times failed sign-ins through our login form: an unknown username against an existing one
 * with a wrong password. The two kinds alternate (in a varying order) so that load on the
 * machine hits both alike; the throttle must be set out of the way by the caller.
 */
export async function measureLoginTiming(issuer: string, options: { tries: number; warmup: number; existingUser: string }): Promise<LoginTiming> {
  const browser = new Browser();
  let page: Page = await browser.open(authorizationUrl(issuer, { code_challenge: (await pkcePair()).challenge, code_challenge_method: 'S256' }));
  const attempt = async (username: string) => {
    const form = findForm(page.html, '/login');
    const started = performance.now();
    const response = await browser.request(new URL(form.action, page.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...form.hidden, username, password: 'not-the-password' }),
    });
    const html = await response.text();
    const elapsed = performance.now() - started;
    if (response.status !== 401) throw new Error(`expected a failed login (401), got ${response.status}`);
    page = { url: page.url, status: response.status, headers: response.headers, html };
    return elapsed;
  };

  const unknown: number[] = [];
  const wrong: number[] = [];
  for (let i = 0; i < options.warmup + options.tries; i++) {
    const unknownFirst = i % 4 === 0 || i % 4 === 3;
    const a = await attempt(unknownFirst ? `nobody-${i}` : options.existingUser);
    const b = await attempt(unknownFirst ? options.existingUser : `nobody-${i}`);
    if (i < options.warmup) continue;
    unknown.push(unknownFirst ? a : b);
    wrong.push(unknownFirst ? b : a);
  }
  const unknownUserMs = median(unknown);
  const wrongPasswordMs = median(wrong);
  return {
    tries: options.tries,
    unknownUserMs,
    wrongPasswordMs,
    difference: Math.abs(unknownUserMs - wrongPasswordMs) / wrongPasswordMs,
    unknownUserP90Ms: quantile(unknown, 0.9),
    wrongPasswordP90Ms: quantile(wrong, 0.9),
  };
}
