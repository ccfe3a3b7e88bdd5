/** HTML that is already safe to insert (built only by the helpers below). */
export class SafeHtml {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (char) => ENTITIES[char]!);
}

export function strong(text: string): SafeHtml {
  return new SafeHtml(`<strong>${escapeHtml(text)}</strong>`);
}

export function code(text: string): SafeHtml {
  return new SafeHtml(`<code>${escapeHtml(text)}</code>`);
}

/** A link to an http(s) URL (callers pass URLs that went through safeHttpUrl). */
export function link(href: string, text: string): SafeHtml {
  return new SafeHtml(`<a href="${escapeHtml(href)}" rel="noopener noreferrer">${escapeHtml(text)}</a>`);
}

/**
 * Fills the `{name}` placeholders of a catalog string. The string and plain values are escaped;
 * only SafeHtml values (from strong/link) go in as markup. A placeholder without a value stays
 * visible, so a mistake in a translation shows instead of silently vanishing.
 */
export function format(template: string, params: Readonly<Record<string, string | SafeHtml>> = {}): string {
  return template.split(/(\{[a-zA-Z]+\})/).map((part) => {
    const name = /^\{([a-zA-Z]+)\}$/.exec(part)?.[1];
    const value = name === undefined ? undefined : params[name];
    if (value === undefined) return escapeHtml(part);
    return value instanceof SafeHtml ? value.html : escapeHtml(value);
  }).join('');
}
