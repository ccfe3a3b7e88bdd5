import { describe, expect, it } from '@jest/globals';
import type { Context, Middleware } from 'koa';
import { onlyAt, onlyUnder } from '../../src/http/path-scope.js';

/** Runs `middleware` for a request to `path`; returns which steps ran, in order. */
async function run(middleware: Middleware, path: string): Promise<string[]> {
  const steps: string[] = [];
  await middleware({ path, steps } as unknown as Context, async () => {
    steps.push('rest of the app');
  });
  return steps;
}

const step = (name: string, callsNext = true): Middleware => async (ctx, next) => {
  (ctx as unknown as { steps: string[] }).steps.push(name);
  if (callsNext) await next();
};

describe('middleware scoped to a path', () => {
  const scoped = onlyUnder('/interaction', step('routes'), step('allowed methods'));

  it('runs, in order and then the rest of the app, at the prefix and below it', async () => {
    expect(await run(scoped, '/interaction')).toEqual(['routes', 'allowed methods', 'rest of the app']);
    expect(await run(scoped, '/interaction/abc/login')).toEqual(['routes', 'allowed methods', 'rest of the app']);
  });

  it('is skipped elsewhere, including paths that merely start with the same letters', async () => {
    expect(await run(scoped, '/oauth/token')).toEqual(['rest of the app']);
    expect(await run(scoped, '/interactions')).toEqual(['rest of the app']);
  });

  it('stops where a scoped middleware answers without calling next', async () => {
    expect(await run(onlyUnder('/interaction', step('answers', false), step('never')), '/interaction/x')).toEqual(['answers']);
  });

  it('onlyAt runs for exactly the listed paths', async () => {
    const health = onlyAt(['/healthz', '/readyz'], step('health'));
    expect(await run(health, '/readyz')).toEqual(['health', 'rest of the app']);
    expect(await run(health, '/healthz/x')).toEqual(['rest of the app']);
  });
});
