import ejs from 'ejs';
import { join } from 'node:path';

export interface Views {
  /** Renders views/<name>.ejs; every `<%= %>` is HTML-escaped. */
  render(name: string, locals: Record<string, unknown>): Promise<string>;
}

export function createViews(deps: { viewsDir: string; assetsPath: string; cache: boolean }): Views {
  return {
    render(name, locals) {
      return ejs.renderFile(join(deps.viewsDir, `${name}.ejs`), { assetsPath: deps.assetsPath, ...locals }, {
        cache: deps.cache,
        async: false,
        // Templates may include only partials under views/.
        root: deps.viewsDir,
      });
    },
  };
}
