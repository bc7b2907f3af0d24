// The feed load harness (test/support/feed-load.ts) end to end on the fixture feed plugin and the generic feed
// fake, at a small size: keeps the harness honest whatever the real feed plugins do. Plus its pure parts: limits
// compressed by a clock scale, and cap checking that does catch a violation.
import { describe, expect, it } from 'vitest';
import { checkCaps, feedLoadTest, scaledLimits, scaledFeedPolling } from '../support/feed-load.js';
import type { FeedFake, FeedScenario, FeedSubmission } from '../support/feed-scenario.js';
import { feedmarket } from '../support/feeds/feedmarket.js';

feedLoadTest(feedmarket, { skus: 500, scale: 10 });

describe('scaledLimits', () => {
  it('multiplies rates by the scale, writes a per-minute rate reaching one a second per second, divides maxWaitMs, keeps bursts, sizes and dotted keys', () => {
    const manifest = {
      rate: {
        default: { perSecond: 2, burst: 15 },
        'submitFeed.product': { perMinute: 1 / 15 },
        'submitFeed.offer': { perMinute: 1, burst: 1 },
        both: { perSecond: 1, perMinute: 30 },
      },
      batch: { maxItems: 10000, maxBytes: 10_000_000, maxWaitMs: 60_000 },
      concurrency: 3,
    };
    expect(scaledLimits(manifest, 60)).toEqual({
      rate: {
        default: { perSecond: 120, burst: 15 },
        'submitFeed.product': { perMinute: 4 },
        'submitFeed.offer': { perSecond: 1, burst: 1 },
        both: { perSecond: 60, perMinute: 1800 },
      },
      // quietMs: the default (the smaller of maxWaitMs and 5 s) compressed too.
      batch: { maxItems: 10000, maxBytes: 10_000_000, maxWaitMs: 1000, quietMs: 83 },
      concurrency: 3,
    });
    expect(scaledLimits(manifest, 1)).toEqual({
      ...manifest,
      rate: { ...manifest.rate, 'submitFeed.product': { perMinute: Number((1 / 15).toPrecision(12)) } },
      batch: { ...manifest.batch, quietMs: 5000 },
    });
    expect(manifest.rate.default.perSecond).toBe(2); // the manifest object is not touched
    expect(() => scaledLimits(manifest, 0)).toThrow(RangeError);
  });

  it('compresses the product feed polling, never below the config minimum', () => {
    expect(scaledFeedPolling(60)).toEqual({ feedPollSeconds: Number((5 / 60).toPrecision(12)), feedMaxPollSeconds: 5, feedSlotWaitSeconds: Number((10 / 60).toPrecision(12)) });
    expect(scaledFeedPolling(600)).toEqual({ feedPollSeconds: 0.05, feedMaxPollSeconds: 0.5, feedSlotWaitSeconds: 0.05 });
  });
});

describe('checkCaps', () => {
  const scenarioWith = (submissions: FeedSubmission[]) =>
    ({
      ...feedmarket,
      submissions: () => submissions,
      caps: [{ kind: 'listings', max: 2, windowMs: 1000 }],
      maxSize: { listings: { items: 10, bytes: 500 } },
    }) as unknown as FeedScenario<FeedFake>;
  const fake = {} as FeedFake;
  const at = (ms: number, items = 1, bytes = 100): FeedSubmission => ({ kind: 'listings', items, bytes, at: 1_000_000 + ms });

  it('passes submissions that keep to the window and the sizes (a window holds (t − windowMs, t])', () => {
    expect(checkCaps(scenarioWith([at(0), at(500), at(1000), at(1500), at(2000, 10, 500)]), fake)).toEqual([]);
  });

  it('reports a third submission within a second, and an oversized one', () => {
    const violations = checkCaps(scenarioWith([at(0), at(400), at(999), at(3000, 11, 501)]), fake);
    expect(violations).toHaveLength(3);
    expect(violations[0]).toContain('up to 3 submissions within 1000 ms (declared max 2)');
    expect(violations[1]).toContain('11 items (declared max 10)');
    expect(violations[2]).toContain('501 bytes (declared max 500)');
  });

  it("counts every kind under '*'", () => {
    const s = { ...scenarioWith([]), caps: [{ kind: '*', max: 1, windowMs: 1000 }], maxSize: {}, submissions: () => [at(0), { ...at(10), kind: 'other' }] } as FeedScenario<FeedFake>;
    expect(checkCaps(s, fake)).toHaveLength(1);
  });
});
