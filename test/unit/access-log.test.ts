import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { createAccessLog } from '../../src/observability/access-log.js';
import { createLogger } from '../../src/observability/logger.js';

function capture(level = 'info') {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      callback();
    },
  });
  return { logger: createLogger({ level, destination }), lines };
}

const flushed = () => new Promise((resolve) => setImmediate(resolve));
// Lines written in different milliseconds differ only in their time.
const withoutTime = (line: string) => line.replace(/,"time":"[^"]+"/, '');

describe('the access line', () => {
  it('is the line pino writes for the same fields, with the logger\'s bindings', async () => {
    const { logger, lines } = capture();
    const worker = logger.child({ worker: 2 });
    createAccessLog(worker)({ reqId: 'r-1', method: 'POST', route: 'token', status: 200, ms: 1.5, client: 'app', grantType: 'client_credentials' });
    worker.info({ reqId: 'r-1', method: 'POST', route: 'token', status: 200, ms: 1.5, client: 'app', grant_type: 'client_credentials' }, 'request');
    await flushed();
    expect(lines).toHaveLength(2);
    expect(withoutTime(lines[0]!)).toBe(withoutTime(lines[1]!));
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30, service: 'gatehouse', worker: 2, reqId: 'r-1', client: 'app', grant_type: 'client_credentials', msg: 'request' });
    expect(JSON.parse(lines[0]!).time).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('leaves out the client and grant type when there are none', async () => {
    const { logger, lines } = capture();
    createAccessLog(logger)({ reqId: 'r-2', method: 'GET', route: '/healthz', status: 200, ms: 0.2 });
    await flushed();
    expect(Object.keys(JSON.parse(lines[0]!))).toEqual(['level', 'time', 'service', 'pid', 'reqId', 'method', 'route', 'status', 'ms', 'msg']);
  });

  it('escapes a client id that holds quotes, backslashes or line breaks: one line, valid JSON', async () => {
    const { logger, lines } = capture();
    const client = 'a"b\\c\n{"level":60}';
    createAccessLog(logger)({ reqId: 'r-3', method: 'POST', route: 'token', status: 401, ms: 3, client, grantType: '"x"' });
    await flushed();
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30, client, grant_type: '"x"' });
  });

  it('writes nothing when the level is above info, and follows a level changed at run time', async () => {
    const { logger, lines } = capture('warn');
    const accessLog = createAccessLog(logger);
    accessLog({ reqId: 'r-4', method: 'GET', route: '/', status: 200, ms: 1 });
    logger.level = 'info';
    accessLog({ reqId: 'r-5', method: 'GET', route: '/', status: 200, ms: 1 });
    await flushed();
    expect(lines.map((line) => JSON.parse(line).reqId)).toEqual(['r-5']);
  });
});
