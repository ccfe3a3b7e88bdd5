/**
 * A tiny cookie-jar "browser" for driving our pages without a real one: it keeps cookies per
 * host, follows nothing on its own (each step is explicit) and finds forms in our HTML.
 */
export interface Page {
  url: URL;
  status: number;
  headers: Headers;
  html: string;
}

export class Browser {
  readonly #cookies = new Map<string, Map<string, string>>();
  readonly #fetch: typeof fetch;

  /** `fetch` replaces the global one (e.g. a new connection per request, see fetch-on-new-connection.ts). */
  constructor(options: { fetch?: typeof fetch } = {}) {
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** GET a URL, following redirects on the server's origin; stops at the first foreign redirect. */
  async open(url: string | URL, stopAt?: (url: URL) => boolean): Promise<Page> {
    let current = new URL(url);
    for (let hops = 0; hops < 20; hops++) {
      const response = await this.request(current, { method: 'GET' });
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        current = new URL(location, current);
        if (stopAt?.(current)) return { url: current, status: response.status, headers: response.headers, html: '' };
        continue;
      }
      return { url: current, status: response.status, headers: response.headers, html: await response.text() };
    }
    throw new Error('too many redirects');
  }

  /** Submits the page's form whose action contains `actionPart`, with `fields` over its hidden inputs. */
  async submit(page: Page, actionPart: string, fields: Record<string, string>, stopAt?: (url: URL) => boolean): Promise<Page> {
    const form = findForm(page.html, actionPart);
    const action = new URL(form.action, page.url);
    const body = new URLSearchParams({ ...form.hidden, ...fields });
    const response = await this.request(action, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      const next = new URL(location, action);
      if (stopAt?.(next)) return { url: next, status: response.status, headers: response.headers, html: '' };
      return this.open(next, stopAt);
    }
    return { url: action, status: response.status, headers: response.headers, html: await response.text() };
  }

  /** A raw request carrying this browser's cookies (and storing what it sets). */
  async request(url: URL, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    const jar = this.#cookies.get(url.host);
    if (jar?.size) headers.set('cookie', [...jar].map(([name, value]) => `${name}=${value}`).join('; '));
    const response = await this.#fetch(url, { ...init, headers, redirect: 'manual' });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const index = pair!.indexOf('=');
      const name = pair!.slice(0, index).trim();
      const value = pair!.slice(index + 1).trim();
      const hostJar = this.#cookies.get(url.host) ?? new Map<string, string>();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(cookie)) hostJar.delete(name);
      else hostJar.set(name, value);
      this.#cookies.set(url.host, hostJar);
    }
    return response;
  }

  /** The Cookie header this browser would send to `url` (for hand-made requests). */
  cookieHeader(url: URL): string {
    const jar = this.#cookies.get(url.host);
    return jar ? [...jar].map(([name, value]) => `${name}=${value}`).join('; ') : '';
  }

  clearCookies(): void {
    this.#cookies.clear();
  }
}

export function findForm(html: string, actionPart: string): { action: string; hidden: Record<string, string> } {
  const forms = [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)];
  for (const [, attributes, inner] of forms) {
    const action = /action="([^"]*)"/.exec(attributes!)?.[1];
    if (action === undefined || !decode(action).includes(actionPart)) continue;
    const hidden: Record<string, string> = {};
    for (const [input] of inner!.matchAll(/<input\b[^>]*type="hidden"[^>]*>/g)) {
      const name = /name="([^"]*)"/.exec(input)?.[1];
      const value = /value="([^"]*)"/.exec(input)?.[1];
      if (name) hidden[name] = decode(value ?? '');
    }
    return { action: decode(action), hidden };
  }
  throw new Error(`no form with an action containing "${actionPart}" on the page:\n${html.slice(0, 2000)}`);
}

function decode(value: string): string {
  return value.replace(/&amp;/g, '&').replace(/&#34;|&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}
