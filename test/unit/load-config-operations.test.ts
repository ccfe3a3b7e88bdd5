import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load-config.js';

const fourCores = { cpus: 4 };

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(env, fourCores);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected loadConfig to refuse this environment');
}

describe('operations settings: workers, metrics, shutdown, the embedded store\'s bound', () => {
  it('defaults to one process, metrics on the authorization server port, a 10 s drain', () => {
    const config = loadConfig({}, fourCores);
    expect(config.workers).toBe(1);
    expect(config.metrics).toEqual({ enabled: true, port: undefined, host: '127.0.0.1' });
    expect(config.shutdownGraceMs).toBe(10_000);
  });

  it('refuses WORKERS>1 with the embedded store, saying why and what to do', () => {
    const problems = problemsOf({ WORKERS: '2' });
    expect(problems).toMatch(/WORKERS=2 needs REDIS_URL/);
    expect(problems).toMatch(/would not share sessions, codes or tokens/);
    expect(problemsOf({ WORKERS: 'auto' })).toMatch(/WORKERS=auto needs REDIS_URL/);
  });

  it('accepts WORKERS=n and WORKERS=auto (one per core) with Redis', () => {
    expect(loadConfig({ WORKERS: '3', REDIS_URL: 'redis://127.0.0.1:6390' }, fourCores).workers).toBe(3);
    expect(loadConfig({ WORKERS: 'auto', REDIS_URL: 'redis://127.0.0.1:6390' }, fourCores).workers).toBe(4);
    // One core: auto is a single process, which the embedded store can serve.
    expect(loadConfig({ WORKERS: 'auto' }, { cpus: 1 }).workers).toBe(1);
  });

  it('reports bad WORKERS, METRICS_PORT, METRICS_ENABLED and SHUTDOWN_GRACE_MS together', () => {
    const problems = problemsOf({ WORKERS: 'AUTO', METRICS_PORT: '70000', METRICS_ENABLED: 'perhaps', SHUTDOWN_GRACE_MS: '-1' });
    expect(problems).toMatch(/WORKERS must be auto \(one per core\) or a whole number from 1 to 256 \(got "AUTO"\)/);
    expect(problems).toMatch(/METRICS_PORT must be a whole number from 1 to 65535/);
    expect(problems).toMatch(/METRICS_ENABLED must be true or false/);
    expect(problems).toMatch(/SHUTDOWN_GRACE_MS must be a whole number/);
  });

  it('refuses port 0: the issuer, the API\'s audience and a scraper all name the port before it listens', () => {
    const problems = problemsOf({ PORT: '0', API_PORT: '0', METRICS_PORT: '0' });
    expect(problems).toMatch(/PORT must be a whole number from 1 to 65535 \(got "0"\)/);
    expect(problems).toMatch(/API_PORT must be a whole number from 1 to 65535 \(got "0"\)/);
    expect(problems).toMatch(/METRICS_PORT must be a whole number from 1 to 65535 \(got "0"\)/);
  });

  it('refuses two listeners on one port of one interface, instead of failing to listen (EADDRINUSE)', () => {
    expect(problemsOf({ PORT: '4600', API_PORT: '4600' })).toMatch(/API_PORT must differ from PORT \(both 4600 on 127.0.0.1\): each server needs a port of its own/);
    expect(problemsOf({ PORT: '4600', METRICS_PORT: '4600' })).toMatch(/METRICS_PORT must differ from PORT \(both 4600 on 127.0.0.1\)/);
    expect(problemsOf({ API_PORT: '4601', METRICS_PORT: '4601' })).toMatch(/METRICS_PORT must differ from API_PORT/);
    // Every interface takes the port on each one too.
    expect(problemsOf({ PORT: '4600', API_PORT: '4600', API_HOST: '0.0.0.0' })).toMatch(/API_PORT must differ from PORT \(both 4600 on 127.0.0.1 and 0.0.0.0\)/);
    // A listener that does not run, or another interface, takes nothing.
    expect(loadConfig({ PORT: '4600', API_PORT: '4600', API_ENABLED: 'false' }, fourCores).port).toBe(4600);
    expect(loadConfig({ PORT: '4600', METRICS_PORT: '4600', METRICS_ENABLED: 'false' }, fourCores).port).toBe(4600);
    expect(loadConfig({ PORT: '4600', API_PORT: '4600', API_HOST: '127.0.0.2' }, fourCores).port).toBe(4600);
  });

  it('takes a separate metrics port and interface', () => {
    const config = loadConfig({ METRICS_PORT: '9464', METRICS_HOST: '10.0.0.5' }, fourCores);
    expect(config.metrics).toEqual({ enabled: true, port: 9464, host: '10.0.0.5' });
  });

  it('bounds the embedded store by MEMORY_STORE_MAX_MB, or leaves the default (a share of the heap) to the store', () => {
    expect(loadConfig({}, fourCores).memoryStoreMaxMB).toBeUndefined();
    expect(loadConfig({ MEMORY_STORE_MAX_MB: '512' }, fourCores).memoryStoreMaxMB).toBe(512);
    for (const bad of ['0', '-5', 'lots', '1.5']) {
      expect(problemsOf({ MEMORY_STORE_MAX_MB: bad })).toMatch(/MEMORY_STORE_MAX_MB must be a whole number from 1 to 1048576/);
    }
  });
});
