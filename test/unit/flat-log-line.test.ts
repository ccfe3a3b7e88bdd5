import { describe, expect, it } from '@jest/globals';
import { createAccessLine, createFlatLogLine } from '../../src/observability/flat-log-line.js';
import { createLogger, REDACTED } from '../../src/observability/logger.js';
import { acceptRequestId } from '../../src/observability/request-observer.js';
import { captureLogs, logSink } from '../helpers/capture-logs.js';

const capture = (level = 'info') => captureLogs(level);

const flushed = () => new Promise((resolve) => setImmediate(resolve));
// Lines written in different milliseconds differ only in their time.
const withoutTime = (line: string) => line.replace(/,"time":"[^"]+"/, '');

describe('a flat log line (the token audit line)', () => {
  it('is the line pino writes for the same fields, with the logger\'s bindings', async () => {
    const { logger, lines } = capture();
    const worker = logger.child({ worker: 2 });
    const fields = { reqId: 'r-1', method: 'POST', route: 'token', status: 200, ms: 1.5, client: 'app', grant_type: 'client_credentials', cached: false };
    createFlatLogLine(worker)(fields, 'request');
    worker.info(fields, 'request');
    await flushed();
    expect(lines).toHaveLength(2);
    expect(withoutTime(lines[0]!)).toBe(withoutTime(lines[1]!));
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30, service: 'gatehouse', worker: 2, reqId: 'r-1', client: 'app', grant_type: 'client_credentials', msg: 'request' });
    expect(JSON.parse(lines[0]!).time).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('writes strings, numbers and booleans of every kind exactly as pino does', async () => {
    const { logger, lines } = capture();
    const values = [
      '', 'plain-ID_1.2:3', 'GET', '/interaction/:uid/login', ' spaced ', 'tab\there', 'del\u007f', 'quote"', 'back\\slash',
      'café', '😀', '</script>', 'x'.repeat(64), `${'y'.repeat(64)}"`, 'z'.repeat(300),
      0, -0, 1, -1, 0.1, 1.5, 123.4, 1e21, 5e-7, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.MAX_SAFE_INTEGER,
      true, false,
    ];
    const logLine = createFlatLogLine(logger);
    for (const value of values) {
      logLine({ value }, typeof value === 'string' ? value : 'msg');
      logger.info({ value }, typeof value === 'string' ? value : 'msg');
    }
    await flushed();
    expect(lines).toHaveLength(values.length * 2);
    for (let i = 0; i < lines.length; i += 2) expect(withoutTime(lines[i]!)).toBe(withoutTime(lines[i + 1]!));
  });

  it('escapes a lone surrogate (pino writes it raw, which no UTF-8 encoder keeps)', async () => {
    const { logger, lines } = capture();
    createFlatLogLine(logger)({ value: '\ud800lone' }, 'request');
    await flushed();
    expect(lines[0]).toContain('"value":"\\ud800lone"');
    expect(JSON.parse(lines[0]!).value).toBe('\ud800lone');
  });

  it('leaves out undefined fields, as pino does', async () => {
    const { logger, lines } = capture();
    createFlatLogLine(logger)({ event: 'token.issued', kind: 'ClientCredentials', accountId: undefined, scope: 'api:read' }, 'token issued');
    await flushed();
    expect(Object.keys(JSON.parse(lines[0]!))).toEqual(['level', 'time', 'service', 'pid', 'event', 'kind', 'scope', 'msg']);
  });

  it('escapes values that hold quotes, backslashes or line breaks: one line, valid JSON', async () => {
    const { logger, lines } = capture();
    const client = 'a"b\\c\n{"level":60}';
    createFlatLogLine(logger)({ reqId: 'r-3', client }, 'a "quoted" message');
    await flushed();
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30, client, msg: 'a "quoted" message' });
  });

  it('redacts as every other line does when a field has a secret name, in any case', async () => {
    const { logger, lines } = capture();
    const logLine = createFlatLogLine(logger);
    logLine({ event: 'oops', Access_Token: 'at-value' }, 'a careless line');
    logLine({ event: 'oops', refresh_token: 'rt-value' }, 'another');
    await flushed();
    expect(lines).toHaveLength(2);
    expect(lines.join('\n')).not.toMatch(/at-value|rt-value/);
    expect(JSON.parse(lines[0]!)).toMatchObject({ Access_Token: REDACTED });
  });

  it('sends a value that is not plain through pino\'s path: redacted, and valid JSON whatever it is', async () => {
    const { logger, lines } = capture();
    const logLine = createFlatLogLine(logger);
    logLine({ event: 'oops', scope: { code: 'the-code' } as unknown as string }, 'not flat after all');
    logLine({ event: 'odd', kind: (() => 1) as unknown as string, grantId: null as unknown as string }, 'odd values');
    await flushed();
    expect(lines).toHaveLength(2);
    expect(lines[0]).not.toContain('the-code');
    expect(JSON.parse(lines[0]!)).toMatchObject({ scope: { code: REDACTED } });
    expect(JSON.parse(lines[1]!)).toMatchObject({ event: 'odd', grantId: null });
  });

  it('writes nothing when the level is above info, and follows a level changed at run time', async () => {
    const { logger, lines } = capture('warn');
    const logLine = createFlatLogLine(logger);
    logLine({ reqId: 'r-4' }, 'request');
    logger.level = 'info';
    logLine({ reqId: 'r-5' }, 'request');
    await flushed();
    expect(lines.map((line) => JSON.parse(line).reqId)).toEqual(['r-5']);
  });
});

describe('the access line (one per request)', () => {
  it('is the line pino writes for the same fields, whatever the client and grant type hold', async () => {
    const { logger, lines } = capture();
    const worker = logger.child({ worker: 3 });
    const accessLine = createAccessLine(worker);
    const cases = [
      { reqId: acceptRequestId(undefined), method: 'GET', route: '/protected', status: 200, ms: 0.4 },
      { reqId: acceptRequestId('edge-4f2a.91:b_c'), method: 'POST', route: 'token', status: 200, ms: 12.5, client: 'app', grantType: 'client_credentials' },
      { reqId: acceptRequestId('r-1'), method: 'M-SEARCH', route: 'not_found', status: 404, ms: 0, client: 'a"b\\c\n{"level":60}', grantType: 'urn:x</script>😀\u2028' },
      { reqId: acceptRequestId('r-2'), method: 'GET', route: '/odd "route"\\', status: 500, ms: 1234.5, client: 'café', grantType: '' },
    ];
    for (const fields of cases) {
      accessLine(fields);
      const { grantType, ...rest } = fields as typeof fields & { grantType?: string };
      worker.info({ ...rest, grant_type: grantType }, 'request');
    }
    // The same route again: its escaped form comes from the cache.
    accessLine(cases[3]!);
    await flushed();
    expect(lines).toHaveLength(cases.length * 2 + 1);
    for (let i = 0; i < cases.length * 2; i += 2) expect(withoutTime(lines[i]!)).toBe(withoutTime(lines[i + 1]!));
    expect(withoutTime(lines.at(-1)!)).toBe(withoutTime(lines[6]!));
    expect(JSON.parse(lines[2]!)).toMatchObject({ level: 30, worker: 3, reqId: 'edge-4f2a.91:b_c', method: 'POST', route: 'token', status: 200, ms: 12.5, client: 'app', grant_type: 'client_credentials', msg: 'request' });
    expect(JSON.parse(lines[4]!)).toMatchObject({ client: 'a"b\\c\n{"level":60}', grant_type: 'urn:x</script>😀\u2028' });
  });

  it('takes a request id only as acceptRequestId gives it: plain, or a fresh UUID', () => {
    for (const hostile of ['a"b', 'x\ny', 'ok\\', 'é', ' ', 'x'.repeat(129), '']) {
      expect(acceptRequestId(hostile)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }
    expect(acceptRequestId('edge-4f2a.91:b_c')).toBe('edge-4f2a.91:b_c');
  });

  it('writes nothing when the level is above info, and follows a level changed at run time', async () => {
    const { logger, lines } = capture('warn');
    const accessLine = createAccessLine(logger);
    accessLine({ reqId: acceptRequestId('r-4'), method: 'GET', route: '/', status: 200, ms: 1 });
    logger.level = 'info';
    accessLine({ reqId: acceptRequestId('r-5'), method: 'GET', route: '/', status: 200, ms: 1 });
    await flushed();
    expect(lines.map((line) => JSON.parse(line).reqId)).toEqual(['r-5']);
  });
});

describe('the program a line comes from', () => {
  it('is named once per line, also for the API and the demo on their own', async () => {
    const { lines, destination } = logSink();
    const logger = createLogger({ level: 'info', destination, service: 'gatehouse-api' });
    logger.info({ n: 1 }, 'hello');
    createAccessLine(logger)({ reqId: acceptRequestId('r-1'), method: 'GET', route: '/', status: 200, ms: 1 });
    await flushed();
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line.match(/"service":/g)).toEqual(['"service":']);
    expect(lines.map((line) => JSON.parse(line).service)).toEqual(['gatehouse-api', 'gatehouse-api']);
  });
});
