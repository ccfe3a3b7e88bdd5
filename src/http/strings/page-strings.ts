import { en, type PageStrings } from './en.js';

export type { PageStrings };

/** The translations we ship; a new one is a file shaped like en.ts, added here. */
export const LOCALES: Readonly<Record<string, PageStrings>> = { en };

export const DEFAULT_LOCALE = 'en';

export function stringsFor(locale: string = DEFAULT_LOCALE): PageStrings {
  return LOCALES[locale] ?? en;
}
