/**
 * FeedScenario of the fixture feed plugin (test/fixtures/plugins/feedmarket) against the generic feed fake
 * (test/fakes/feed-marketplace): keeps the feed load harness honest without a real marketplace's plugin, and shows
 * what an adapter gives the harnesses. Not certified by bench/certification unless named (`--only feedmarket`).
 *
 * The generic fake has no clock of its own: feeds finish after a number of status polls, not after a time, and
 * it stamps submissions with the real time. This adapter gives it a FakeClock started at the same instant and maps
 * real stamps onto it (marketplace time = start + real elapsed × scale), which is exact for a clock that is never
 * advanced by hand.
 */
import { join } from 'node:path';
import { expect } from 'vitest';
import { FakeClock, FakeFeedMarketplace, type CatalogSku } from '../../fakes/index.js';
import { manifestLimits, scaledLimits } from '../feed-load.js';
import type { FeedFake, FeedScenario } from '../feed-scenario.js';
import { CATEGORY_ID } from '../stack.js';

const FIXTURE = join(import.meta.dirname, '../../fixtures/plugins/feedmarket');
const LIMITS = manifestLimits('feedmarket');
const MAX_ITEMS = LIMITS.batch!.maxItems!;
const MAX_BYTES = LIMITS.batch!.maxBytes!;
const SUBMIT = LIMITS.rate!.submitFeed!;
const SUBMIT_PER_SECOND = SUBMIT.perSecond!;
const SUBMIT_BURST = SUBMIT.burst ?? 1;

export interface FeedMarketFake extends FeedFake {
  readonly fm: FakeFeedMarketplace;
  /** Real time (Date.now()) when the clock started: the fake's real stamps are mapped from it. */
  readonly realStart: number;
}

const nameComplete = (sku: CatalogSku) => (sku.skuName === sku.productName ? sku.productName : `${sku.productName} ${sku.skuName}`);

export const feedmarket: FeedScenario<FeedMarketFake> = {
  marketplace: 'feedmarket',
  pluginPaths: [FIXTURE],

  async start(scale) {
    // The fake refuses what the manifest says the marketplace refuses (items and bytes per feed).
    const fm = await FakeFeedMarketplace.start({ maxItems: MAX_ITEMS, maxBytes: MAX_BYTES, pollsToFinish: 2 });
    const realStart = Date.now();
    return { fm, realStart, url: fm.url, clock: new FakeClock({ timeScale: scale, startAt: realStart }), close: () => fm.close() };
  },

  integration: (fake, scale) => ({
    marketplace: 'feedmarket',
    minimumStock: 0,
    categoryMappings: { [String(CATEGORY_ID)]: 'shoes' },
    settings: { clientId: fake.fm.clientId, clientSecret: fake.fm.clientSecret, refreshToken: fake.fm.refreshToken, apiBaseUrl: fake.fm.url },
    limits: scaledLimits(LIMITS, scale),
  }),

  view(fake, skuId) {
    const product = fake.fm.products.get(skuId);
    const offer = fake.fm.offers.get(skuId);
    if (!product && !offer) return undefined;
    return {
      catalogued: !!product,
      active: !!product && !!offer && offer.quantity > 0,
      ...(offer && { price: Math.round(offer.price * 100), stock: offer.quantity }),
    };
  },

  expectHolds(fake, sku) {
    const id = String(sku.id);
    expect(fake.fm.products.get(id), `product of ${id}`).toMatchObject({ sku: id, title: nameComplete(sku), brand: sku.brandName });
    expect(fake.fm.offers.get(id), `offer of ${id}`).toMatchObject({ sku: id, price: (sku.sellingPrice ?? sku.price) / 100, quantity: sku.stock });
  },

  submissions: (fake) =>
    [...fake.fm.feeds.values()].map((feed) => ({
      kind: feed.type.toLowerCase(),
      items: feed.messages.length,
      // The plugin posts `{ type, messages }` as JSON; the fake keeps the parsed messages in order, so this is the body's size.
      bytes: Buffer.byteLength(JSON.stringify({ type: feed.type, messages: feed.messages })),
      at: fake.realStart + (feed.submittedAt - fake.realStart) * fake.clock.timeScale,
    })),

  // One submitFeed budget for both feed types: a token bucket lets through at most `burst` + rate × 1 s in any second.
  caps: [{ kind: '*', max: SUBMIT_BURST + SUBMIT_PER_SECOND, windowMs: 1000 }],
  maxSize: { product: { items: MAX_ITEMS, bytes: MAX_BYTES }, offer: { items: MAX_ITEMS, bytes: MAX_BYTES } },

  offersBeforeCatalogued: (fake) => fake.fm.counters.offersBeforeProduct,

  /**
   * Every SKU needs a product message and then an offer message, `maxItems` to a feed: 2 × ⌈N / maxItems⌉ feeds on one
   * submitFeed budget (a token bucket: `burst` at once, then one every 1 / rate s). The fake finishes a feed after a
   * number of status polls, taking no marketplace time, so the submissions are the whole minimum.
   */
  minimumMs(skus) {
    const feeds = 2 * Math.ceil(skus / MAX_ITEMS);
    return (Math.max(0, feeds - SUBMIT_BURST) * 1000) / SUBMIT_PER_SECOND;
  },
};
