import { describe, expect, it } from '@jest/globals';
import { REDACTED, SECRET_FIELDS } from '../../src/observability/logger.js';
import { captureLogs as capture } from '../helpers/capture-logs.js';

// A value per secret field that can be searched for in the output.
const secretValue = (field: string) => `SECRET-${field.replace(/[^A-Za-z_]/g, '_')}-0123456789`;

describe('the logger never writes credentials', () => {
  it.each(SECRET_FIELDS)('%s is redacted at any depth and in any letter case', (field) => {
    const { logger, lines } = capture();
    const value = secretValue(field);
    logger.info({ [field]: value }, 'top');
    logger.info({ body: { [field]: value } }, 'one');
    logger.info({ req: { body: { [field]: value } } }, 'two');
    logger.info({ ctx: { req: { headers: { [field]: value } } } }, 'three');
    logger.info({ a: { b: { c: { d: { e: [{ [field.toUpperCase()]: value }] } } } } }, 'deep, in an array, upper case');
    expect(lines).toHaveLength(5);
    for (const line of lines) {
      expect(line).not.toContain(value);
      expect(line).toContain(REDACTED);
    }
  });

  it('redacts the shapes our code and libraries log: headers, form bodies, token responses, errors', () => {
    const { logger, lines } = capture();
    logger.info({ req: { method: 'POST', headers: { cookie: '_session=abc', authorization: 'Basic ZGVtbzpkZW1v' } } }, 'incoming');
    logger.info({ res: { headers: { 'set-cookie': ['_session=abc; HttpOnly'] } } }, 'outgoing');
    logger.info({ params: { grant_type: 'authorization_code', code: 'the-code', code_verifier: 'the-verifier', client_secret: 'shh' } }, 'token request');
    logger.info({ tokens: { access_token: 'at-value', refresh_token: 'rt-value', id_token: 'eyJ.id.token' } }, 'token response');
    logger.info({ form: { username: 'demo', password: 'hunter2', csrf: 'csrf-value' } }, 'login form');
    logger.error({ err: Object.assign(new Error('upstream failed'), { cause: { password: 'in-cause' }, token: 'on-error' }) }, 'failure');
    const output = lines.join('\n');
    for (const secret of ['_session=abc', 'ZGVtbzpkZW1v', 'the-code', 'the-verifier', 'shh', 'at-value', 'rt-value', 'eyJ.id.token', 'hunter2', 'csrf-value', 'in-cause', 'on-error']) {
      expect(output).not.toContain(secret);
    }
    // What is not secret stays readable.
    expect(output).toContain('"username":"demo"');
    expect(output).toContain('"grant_type":"authorization_code"');
    expect(output).toContain('upstream failed');
  });

  it("keeps an error's own code (ECONNREFUSED) readable as errorCode while `code` stays redacted", () => {
    const { logger, lines } = capture();
    logger.error({ err: Object.assign(new Error('connect failed'), { code: 'ECONNREFUSED' }) }, 'store down');
    const entry = JSON.parse(lines[0]!) as { err: { code: string; errorCode: string } };
    expect(entry.err.errorCode).toBe('ECONNREFUSED');
    expect(entry.err.code).toBe(REDACTED);
  });

  it('never writes the command a Redis error carries: its keys and arguments hold token values', () => {
    const { logger, lines } = capture();
    const failure = Object.assign(new Error('OOM command not allowed when used memory > \'maxmemory\'.'), {
      command: { name: 'evalsha', args: ['d488c97a', '1', 'gatehouse:AccessToken:{tok-3f9a}', '{"jti":"tok-3f9a"}'] },
    });
    logger.fatal({ err: failure }, 'crash');
    expect(lines[0]).not.toContain('tok-3f9a');
    expect(lines[0]).toContain('OOM command not allowed');
  });

  it('leaves the objects it was given untouched', () => {
    const { logger } = capture();
    const params = { client_id: 'demo', code: 'the-code' };
    logger.info({ params }, 'token request');
    expect(params.code).toBe('the-code');
  });

  it('writes one JSON object per line with level, time, service and message', () => {
    const { logger, lines } = capture();
    logger.child({ reqId: 'r-1' }).warn({ route: 'token' }, 'hello');
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 40, service: 'gatehouse', reqId: 'r-1', route: 'token', msg: 'hello' });
  });
});
