import { describe, expect, it } from '@jest/globals';
import { parseBenchArgs } from './options.ts';

const parse = (args: string[], hasRedisServer = true) => parseBenchArgs(args, { hasRedisServer: () => hasRedisServer, defaultOutDir: '/tmp/results' });
const refusal = (args: string[], hasRedisServer = true) => {
  try {
    parse(args, hasRedisServer);
  } catch (error) {
    return (error as Error).message;
  }
  return 'accepted';
};

describe('npm run bench options', () => {
  it('takes the documented options', () => {
    expect(parse(['--store=redis', '--seconds=8', '--rounds=4', '--warmup=0', '--connections=32', '--only=cc-opaque,refresh', '--out=/tmp/x'])).toEqual({
      quick: false, store: 'redis', seconds: 8, rounds: 4, warmupS: 0, connections: 32, only: ['cc-opaque', 'refresh'], profile: false, outDir: '/tmp/x',
    });
    expect(parse(['--quick'])).toMatchObject({ quick: true, store: 'both', outDir: '/tmp/results' });
  });

  it('refuses in one line what it cannot run, before any server starts', () => {
    expect(refusal(['--bogus'])).toMatch(/Unknown option '--bogus'/);
    expect(refusal(['--store=x'])).toBe('--store must be both, redis or memory');
    expect(refusal(['--only=nope'])).toMatch(/^--only: unknown scenario "nope" \(one of cc-opaque, /);
    expect(refusal(['--store=redis'], false)).toBe('--store=redis needs a redis-server binary on PATH (apt-get install redis-server)');
    for (const bad of ['--seconds=0', '--seconds=-1', '--seconds=1.5', '--rounds=abc', '--rounds=0', '--warmup=-1', '--connections=0']) {
      expect([bad, refusal([bad])]).toEqual([bad, expect.stringMatching(/^--\w+ must be a whole number from \d+ to \d+ \(got ".*"\)$/)]);
    }
  });

  it('gives every round whole seconds: autocannon measures in 1-second ticks', () => {
    expect(refusal(['--seconds=1', '--rounds=2'])).toBe('--seconds (1) must be a whole multiple of --rounds (2): each round is whole seconds');
    expect(refusal(['--seconds=12'])).toBe('--seconds (12) must be a whole multiple of --rounds (8): each round is whole seconds');
    expect(parse(['--seconds=4', '--rounds=2'])).toMatchObject({ seconds: 4, rounds: 2 });
  });
});
