// Lets plain Node run src/main.ts: our sources import each other as './x.js' (what tsc emits),
// so a relative '.js' that does not exist resolves to its '.ts'. Node 24 compiles the .ts
// itself (--experimental-transform-types: we use parameter properties).
// Usage: node --experimental-transform-types --import ./test/helpers/resolve-ts-hook.mjs src/main.ts
import { register } from 'node:module';

register('data:text/javascript,' + encodeURIComponent(`
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    if (error?.code === 'ERR_MODULE_NOT_FOUND' && /^\\.{1,2}\\//.test(specifier) && specifier.endsWith('.js')) {
      return next(specifier.slice(0, -3) + '.ts', context);
    }
    throw error;
  }
}
`));
