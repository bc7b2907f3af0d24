import { describe, expect, it } from 'vitest';
import { bucketFor, effectiveLimits, parseConfig } from '@connector/core';


const base = (limits: unknown) => ({
  stores: [
    {
      account: 'demo',
      webhookToken: 'secret-token',
      vtex: { appKey: 'k', appToken: 't', affiliateId: 'ABC', salesChannel: 1 },
      integrations: [{ marketplace: 'mercadolivre', settings: { accessToken: 'x' }, limits }],
    },
  ],
});

describe('integrations[].limits', () => {
  it('accepts the manifest shape (per-operation rates, batch, concurrency)', () => {
    const config = parseConfig(base({ rate: { default: { perMinute: 250 }, update: { perSecond: 5, burst: 5 } }, batch: { maxItems: 50 }, concurrency: 2 }));
    expect(config.stores[0]!.integrations[0]!.limits).toEqual({ rate: { default: { perMinute: 250 }, update: { perSecond: 5, burst: 5 } }, batch: { maxItems: 50 }, concurrency: 2 });
    // The delivery and reconciliation sections get their defaults.
    expect(config.delivery.retry.limit).toBe(10);
    expect(config.reconciliation.hotSkus).toBe(500);
  });

  it('refuses bad limits with one clear line per problem, naming the field', () => {
    let error: { code?: string; message?: string } = {};
    try {
      parseConfig(base({ rate: { default: { burst: 3 }, update: { perSecond: 0 } }, batch: { maxItems: 0 }, concurency: 2 }));
    } catch (e) {
      error = e as typeof error;
    }
    expect(error.code).toBe('CONNECTOR_ERR_CONFIG_INVALID');
    expect(error.message).toContain('/stores/0/integrations/0/limits/concurency: is not a known property');
    expect(error.message).toContain('/stores/0/integrations/0/limits/rate/default: needs perSecond or perMinute (or both)');
    expect(error.message).toContain('/stores/0/integrations/0/limits/rate/update/perSecond: must be > 0');
    expect(error.message).toContain('/stores/0/integrations/0/limits/batch/maxItems: must be >= 1');
  });

  it('refuses fewer than 10 retries (VTEX rule)', () => {
    expect(() => parseConfig({ ...base(undefined), delivery: { retry: { limit: 3 } } })).toThrow(/delivery\/retry\/limit: must be >= 10/);
  });
});

describe('effective limits', () => {
  it('takes the integration override per operation and per field, the plugin for the rest', () => {
    const e = effectiveLimits(
      { rate: { default: { perSecond: 5, burst: 10 }, update: { perSecond: 5 } }, batch: { maxItems: 20, maxWaitMs: 1000 }, concurrency: 4 },
      { rate: { default: { perMinute: 250 } }, batch: { maxItems: 50 } },
    );
    expect(e.rate).toEqual({ default: { perMinute: 250, burst: 1 }, update: { perSecond: 5, burst: 1 } });
    expect(e.batch).toMatchObject({ maxItems: 50, maxWaitMs: 1000 });
    expect(e.concurrency).toBe(4);
    expect(e.source).toMatchObject({ rate: { default: 'integration', update: 'plugin' }, batch: { maxItems: 'integration', maxWaitMs: 'plugin', maxBytes: 'default' }, concurrency: 'plugin' });
  });

  it('enforces the stricter of perSecond and perMinute, holding back part of the burst for jitter', () => {
    expect(bucketFor({ perMinute: 50 })).toEqual({ rate: 50 / 60 / (1 + (50 / 60) * 0.01), capacity: 1 });
    expect(bucketFor({ perSecond: 10, perMinute: 300, burst: 10 })).toEqual({ rate: 5, capacity: 9 });
    expect(bucketFor({ perSecond: 50, burst: 10 })).toEqual({ rate: 50, capacity: 1 });
    expect(bucketFor({ perSecond: 5, burst: 10 })).toEqual({ rate: 5, capacity: 9 });
  });
});
