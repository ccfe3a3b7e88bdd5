import type { PageStrings } from '../http/strings/page-strings.js';

export interface ScopeLine {
  name: string;
  description: string;
}

/**
 * Each scope in plain words: OIDC scopes from the page strings, a resource server's scopes from
 * its configuration, anything else by name.
 */
export function describeScopes(
  scopes: readonly string[],
  resourceScopes: ReadonlyMap<string, string>,
  words: PageStrings['scopes'],
): ScopeLine[] {
  const known = words as Readonly<Record<string, string>>;
  return [...new Set(scopes)].map((name) => ({
    name,
    description: (name !== 'unknown' && Object.hasOwn(known, name) ? known[name] : undefined)
      // An empty description (`gatehouse resource create` without --describe) falls through too.
      ?? (resourceScopes.get(name) || undefined)
      // Plain text: the template escapes it.
      ?? words.unknown.replace('{scope}', name),
  }));
}
