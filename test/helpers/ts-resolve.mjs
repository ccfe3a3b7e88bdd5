// Lets plain `node` run src/*.ts directly (Node 24 strips the types): our sources import
// siblings as "./x.js" (NodeNext style), which exist on disk as "./x.ts".
// Usage: node --import ./test/helpers/ts-resolve.mjs src/main.ts
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if (error?.code === 'ERR_MODULE_NOT_FOUND' && specifier.startsWith('.') && specifier.endsWith('.js')) {
        return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
      }
      throw error;
    }
  },
});
