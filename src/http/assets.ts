import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Middleware } from 'koa';

const TYPES: Record<string, string> = { '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };

/**
 * Serves the few files in views/assets (our stylesheet and logo) from memory: no CDN, nothing
 * outside that folder, and a path that is not one of them falls through.
 */
export function createAssetsMiddleware(deps: { assetsDir: string; mountPath: string; files: readonly string[] }): Middleware {
  const files = new Map(deps.files.map((file) => {
    const extension = file.slice(file.lastIndexOf('.'));
    return [`${deps.mountPath}/${file}`, { body: readFileSync(join(deps.assetsDir, file)), type: TYPES[extension] ?? 'application/octet-stream' }];
  }));
  return function serveAsset(ctx, next) {
    const file = ctx.method === 'GET' || ctx.method === 'HEAD' ? files.get(ctx.path) : undefined;
    if (!file) return next();
    ctx.type = file.type;
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = file.body;
    return Promise.resolve();
  };
}
