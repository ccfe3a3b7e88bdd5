import { describe, expect, it } from '@jest/globals';
import { format, link, strong } from '../../src/http/html.js';
import { LOCALES } from '../../src/http/strings/page-strings.js';
import { describeScopes } from '../../src/interactions/scope-descriptions.js';

describe('format (catalog strings with placeholders)', () => {
  it('escapes the catalog text and plain values, and inserts only markup built by the helpers', () => {
    expect(format('{client} & <you>', { client: '<img src=x>' })).toBe('&lt;img src=x&gt; &amp; &lt;you&gt;');
    expect(format('{client} wants you', { client: strong('A "B"') })).toBe('<strong>A &#34;B&#34;</strong> wants you');
    expect(format('go to {site}', { site: link('https://a.example/?q="1"', 'A') }))
      .toBe('go to <a href="https://a.example/?q=&#34;1&#34;" rel="noopener noreferrer">A</a>');
  });

  it('leaves a placeholder without a value visible instead of dropping it', () => {
    expect(format('Hello {name}')).toBe('Hello {name}');
  });
});

describe('page strings', () => {
  it('a translation carries every string the English catalog has', () => {
    const shape = (value: object): string[] => Object.entries(value).flatMap(([key, inner]) =>
      typeof inner === 'object' ? shape(inner as object).map((path) => `${key}.${path}`) : [key]).sort();
    const english = shape(LOCALES['en']!);
    for (const strings of Object.values(LOCALES)) expect(shape(strings)).toEqual(english);
    expect(english).toContain('login.failed');
  });
});

describe('describeScopes', () => {
  const words = LOCALES['en']!.scopes;

  it('words OIDC scopes from the strings, resource scopes from their server, and the rest by name', () => {
    expect(describeScopes(['email', 'api:read', 'custom', 'email'], new Map([['api:read', 'Read your data']]), words)).toEqual([
      { name: 'email', description: 'See your email address and whether it is verified' },
      { name: 'api:read', description: 'Read your data' },
      { name: 'custom', description: 'Use the “custom” permission' },
    ]);
  });

  it('does not mistake a scope named like a catalog key or an object property for a known one', () => {
    expect(describeScopes(['unknown', 'constructor'], new Map(), words).map((line) => line.description))
      .toEqual(['Use the “unknown” permission', 'Use the “constructor” permission']);
  });
});
