/**
 * The plugin through the core's real lot stage (@connector/core/testing, in-process) against FakeAmazon: a lot whose
 * feed document would reach 10 MiB goes as one feed carrying the messages that fit (feedRef `<feedId>#<n>`),
 * checkFeed maps that feed's report back to exactly those SKUs, and the core sends the rest in its next lot — every
 * SKU ends synced, no feed at or above 10 MiB, each SKU's outcome from the feed that carried it.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestHost, vtexSnapshot } from '@connector/core/testing';
import { AMAZON_DEFAULT_REQUIRED_ATTRIBUTES, FakeAmazon } from '@connector/fakes';
import plugin, { MAX_FEED_BYTES } from '../src/index.js';

const dir = join(import.meta.dirname, '..');

describe('amazon: a lot larger than one feed document', () => {
  let fake: FakeAmazon | undefined;
  afterAll(() => fake?.close());

  it('sends what fits under 10 MiB, maps that feed back to its SKUs, and the rest follows in the next lot', async () => {
    // Processing takes no marketplace time; every SKU of category 2 is refused (a required attribute the plugin does not map).
    fake = await FakeAmazon.start({ delays: { feedInQueueMs: 0, feedInProgressMs: 0 }, feedSubmissions: false, requiredAttributes: { LUGGAGE: [...AMAZON_DEFAULT_REQUIRED_ATTRIBUTES, 'batteries_required'] } });
    const host = await createTestHost({
      plugin,
      dir,
      fake,
      settings: { sellerId: fake.sellerId, marketplaceId: fake.marketplaceIds[0], clientId: fake.clientId, clientSecret: fake.clientSecret, refreshToken: fake.refreshToken, tokenUrl: `${fake.url}/auth/o2/token` },
      categories: { '1': 'SHOES', '2': 'LUGGAGE' },
      // One lot for all of them: far more payload than one document holds.
      limits: { batch: { maxItems: 25_000, maxBytes: 50_000_000, maxWaitMs: 1_000 }, rate: { 'submitFeed.upsert': { perSecond: 1000, burst: 10 }, checkFeed: { perSecond: 1000, burst: 100 } } },
      delivery: { feedPollSeconds: 1, feedMaxPollSeconds: 1 },
    });
    try {
      const description = `<p>${'Descrição longa do produto. '.repeat(70)}</p>`; // ~1,900 characters
      const snapshots = Array.from({ length: 6_000 }, (_, i) =>
        vtexSnapshot({ skuId: 50_000 + i, categoryId: i % 10 === 0 ? 2 : 1, description, brand: 'Aurora', ean: null, price: 10_000 + i, stock: 1 + (i % 50) }),
      );
      const report = await host.sync(snapshots);
      const feeds = fake.feeds();
      expect(feeds.length).toBeGreaterThanOrEqual(2);
      const carried = new Map<string, string>();
      for (const feed of feeds) {
        const content = fake.documentContent(feed.inputFeedDocumentId)!;
        expect(Buffer.byteLength(content)).toBeLessThanOrEqual(MAX_FEED_BYTES);
        for (const m of (JSON.parse(content) as { messages: { sku: string }[] }).messages) carried.set(m.sku, feed.feedId);
      }
      // The first lot was cut: its feedRef says how many of its SKUs went.
      // The lot of all 6,000 was cut: its feedRef names the feed and how many of its SKUs that feed carried.
      const lots = await host.lots();
      const cut = lots.find((l) => l.items.length === snapshots.length)!;
      const [feedId, sent] = String(cut.feed_ref).split('#');
      expect(Number(sent)).toBe([...carried.values()].filter((f) => f === feedId).length);
      expect(Number(sent)).toBeLessThan(snapshots.length);
      expect(carried.size).toBe(snapshots.length);

      const bySku = new Map(report.skus.map((s) => [s.skuId, s]));
      for (const s of snapshots) {
        const refused = Number(s.categoryId) === 2;
        const state = (await host.state(s.skuId))!;
        expect(state.status, `SKU ${s.skuId}`).toBe(refused ? 'failed' : 'synced');
        if (refused) expect(state.fixes.map((f) => f.message).join(' ')).toContain("'batteries_required' is required but not supplied.");
        else expect(state.marketplaceId).toBe(`SHOES:${s.skuId}`);
        expect(bySku.has(s.skuId)).toBe(true);
      }
      expect(fake.counters.offersBeforeCatalogued).toBe(0);
    } finally {
      await host.close();
    }
  }, 120_000);
});
