import { describe, expect, it } from 'vitest';
import { mapLimit } from '@connector/core';

describe('mapLimit', () => {
  it('keeps the order and the limit', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, n));
      inFlight--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });

  it('after a failure starts nothing more, and rejects only once the calls in flight have finished', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    let releaseSlow!: () => void;
    const slow = new Promise<void>((r) => (releaseSlow = r));
    const run = mapLimit([0, 1, 2, 3, 4], 2, async (i) => {
      started.push(i);
      if (i === 0) await slow; // in flight when item 1 fails
      if (i === 1) throw new Error('item 1 failed');
      finished.push(i);
      return i;
    });
    let settled = false;
    void run.catch(() => undefined).finally(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false); // item 0 still runs: the caller is not told yet
    releaseSlow();
    await expect(run).rejects.toThrow('item 1 failed');
    expect(finished).toEqual([0]);
    expect(started).toEqual([0, 1]); // items 2–4 never started
  });
});
