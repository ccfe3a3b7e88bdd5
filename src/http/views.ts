import ejs from 'ejs';
import { join } from 'node:path';
import { code, format, link, strong } from './html.js';
import { stringsFor, type PageStrings } from './strings/page-strings.js';

export interface Views {
  /**
   * Renders views/<name>.ejs; every `<%= %>` is HTML-escaped. The template gets its page's
   * strings as `t` (the section named like the page), the whole catalog as `strings`, and
   * `format`/`strong`/`link`/`code` to fill placeholders safely.
   */
  render(name: string, locals: Record<string, unknown>): Promise<string>;
  readonly strings: PageStrings;
  /** Where the pages link the stylesheet and logo: the app that renders them serves them there. */
  readonly assetsPath: string;
}

export function createViews(deps: { viewsDir: string; assetsPath: string; cache: boolean; locale?: string }): Views {
  const strings = stringsFor(deps.locale);
  return {
    strings,
    assetsPath: deps.assetsPath,
    render(name, locals) {
      const section = name.replace(/-([a-z])/g, (_, char: string) => char.toUpperCase()) as keyof PageStrings;
      return ejs.renderFile(join(deps.viewsDir, `${name}.ejs`), {
        assetsPath: deps.assetsPath,
        strings,
        t: strings[section] ?? {},
        format,
        strong,
        link,
        code,
        ...locals,
      }, {
        cache: deps.cache,
        async: false,
        // Templates may include only partials under views/.
        root: deps.viewsDir,
      });
    },
  };
}
