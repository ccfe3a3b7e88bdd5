import { describe, expect, it } from '@jest/globals';
import { withRetries } from '../../src/store/request-undo.js';

/**
 * Giving back a code used up by a failed request must outlast a short outage: a Redis Cluster
 * refuses every command (CLUSTERDOWN) for a few seconds while a shard fails over, and a give-back
 * tried only once then failed, so the client's retry was taken for a replay that revoked its grant.
 */
describe('giving back what a failed request used up', () => {
  it('is tried again while it fails, and stops at the first success', async () => {
    let calls = 0;
    await withRetries(async () => {
      calls += 1;
      if (calls < 3) throw new Error('CLUSTERDOWN The cluster is down');
    }, [1, 1, 1, 1]);

    expect(calls).toBe(3);
  });

  it('gives up after the last delay, with the last failure', async () => {
    let calls = 0;
    const giving = withRetries(async () => {
      calls += 1;
      throw new Error(`attempt ${calls}`);
    }, [1, 1]);

    await expect(giving).rejects.toThrow('attempt 3');
    expect(calls).toBe(3);
  });
});
