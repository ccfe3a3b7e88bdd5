import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Middleware } from 'koa';

/** views/assets: what every page links (views/partials/head.ejs). */
export const ASSETS_DIR = fileURLToPath(new URL('../../views/assets', import.meta.url));
export const ASSET_FILES = ['gatehouse.css', 'gatehouse.svg'] as const;

const TYPES: Record<string, string> = { '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };

/**
 * Serves the few files in views/assets (our stylesheet and logo) from memory: no CDN, nothing
 * outside that folder, and a path that is not one of them falls through.
 */
export function createAssetsMiddleware(deps: { mountPath: string; assetsDir?: string; files?: readonly string[] }): Middleware {
  const files = new Map((deps.files ?? ASSET_FILES).map((file) => {
    const extension = file.slice(file.lastIndexOf('.'));
    return [`${deps.mountPath}/${file}`, { body: readFileSync(join(deps.assetsDir ?? ASSETS_DIR, file)), type: TYPES[extension] ?? 'application/octet-stream' }];
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
