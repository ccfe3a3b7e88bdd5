import { describe, expect, it } from '@jest/globals';
import { StoreUnavailableError } from '../../src/store/store-errors.js';
import { createStoreGuard } from '../../src/store/redis/store-guard.js';
import { captureLogs as capture } from '../helpers/capture-logs.js';

/** A reply error as ioredis makes it: the failed command, with our key (a code value) attached. */
function replyError(): Error {
  return Object.assign(new Error('CLUSTERDOWN The cluster is down'), {
    name: 'ReplyError',
    command: { name: 'evalsha', args: ['772e89', '1', 'gatehouse:AuthorizationCode:{the-secret-code}', '{"accountId":"a"}'] },
  });
}

describe('the store guard', () => {
  it('turns a Redis failure into StoreUnavailableError, and neither it nor the log carries the command (keys hold token values)', async () => {
    const { lines, logger } = capture();
    const guard = createStoreGuard({ logger, deadlineMs: 1000 });
    const failure = await guard.run('AuthorizationCode.consume', () => Promise.reject(replyError())).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StoreUnavailableError);
    expect(failure).toMatchObject({ statusCode: 503, expose: true, error: 'temporarily_unavailable' });
    expect((failure as Error).cause).toMatchObject({ name: 'ReplyError', message: 'CLUSTERDOWN The cluster is down' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('CLUSTERDOWN');
    expect(JSON.stringify({ failure, cause: (failure as Error).cause, lines })).not.toContain('the-secret-code');
  });

  it('fails an operation that outlives its deadline instead of waiting for it', async () => {
    const { logger } = capture();
    const guard = createStoreGuard({ logger, deadlineMs: 20 });
    await expect(guard.run('Session.find', () => new Promise(() => {}))).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('answers 503 at the deadline even if Redis answers later, and keeps serving other operations', async () => {
    const { logger } = capture();
    const guard = createStoreGuard({ logger, deadlineMs: 20 });
    let answer!: (value: string) => void;
    const late = guard.run('Session.find', () => new Promise<string>((resolve) => (answer = resolve)));
    const quick = guard.run('Grant.find', async () => 'grant');
    await expect(quick).resolves.toBe('grant');
    await expect(late).rejects.toBeInstanceOf(StoreUnavailableError);
    answer('too late');
    await expect(guard.run('Session.find', async () => 'session')).resolves.toBe('session');
  });

  it('logs an outage once per interval, counting what it left out', async () => {
    const { lines, logger } = capture();
    let clock = 0;
    const guard = createStoreGuard({ logger, deadlineMs: 1000, logIntervalMs: 5000, now: () => clock });
    const fail = () => guard.run('ping', () => Promise.reject(new Error('Connection is closed.'))).catch(() => {});
    for (let i = 0; i < 10; i++) await fail();
    clock = 6000;
    await fail();
    expect(lines.map((line) => JSON.parse(line).suppressedSinceLast)).toEqual([0, 9]);
  });

  it('passes results through untouched', async () => {
    const { logger } = capture();
    await expect(createStoreGuard({ logger, deadlineMs: 1000 }).run('find', async () => ({ ok: 1 }))).resolves.toEqual({ ok: 1 });
  });
});
