/**
 * The Amazon plugin's contract, end to end through the real runtime: fake VTEX → webhook → pipeline → plugins/amazon
 * in its extension host → FakeAmazon. Both delivery paths: lots below `perItemBelow` through the Listings Items API
 * (create = PUT, stock and price = PATCH, withdrawal = PATCH stock 0, back on sale), large lots as JSON_LISTINGS_FEED
 * (per-message issues → the SKU's failure with Amazon's words; a FATAL feed → every item of the lot failed with its
 * reason); a 429 waited out, an expired LWA token refreshed, a 5xx retried.
 *
 * Time: FakeAmazon's clock runs at SCALE × and the integration gets the manifest's limits compressed by the same
 * scale (scaledLimits), except the lot window (maxWaitMs): 3 real s instead of 30 s / SCALE, so a few hundred SKUs
 * notified together reach the plugin as one lot (a feed) at the pipeline's pace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SkuState } from '@connector/core';
import { type CatalogSku, FakeAmazon, AMAZON_DEFAULT_REQUIRED_ATTRIBUTES } from '../fakes/index.js';
import { manifestLimits, scaledFeedPolling, scaledLimits } from '../support/feed-load.js';
import { amazon, amazonSettings, AMAZON_PRODUCT_TYPE, startFakeAmazon } from '../support/feeds/amazon.js';
import { notifyAll, CATEGORY_ID, startStack, type Stack } from '../support/stack.js';
import { notifyOk, stateOf } from '../support/pipeline.js';
import { waitFor } from '../support/wait.js';

const SCALE = 300;
const MP = 'amazon';
/** A VTEX category mapped to a product type whose listings Amazon (the fake) requires more of than the plugin maps. */
const LUGGAGE_CATEGORY = 8;
const LOT_WINDOW_MS = 3_000;
const PER_ITEM_BELOW = 150;

describe(`amazon: the plugin's contract against FakeAmazon (timeScale=${SCALE})`, () => {
  let stack: Stack;
  let fake: FakeAmazon;
  let nextSku = 0;
  const account = () => stack.vtex.account;
  const view = (id: number | string) => amazon.view(fake, String(id));
  const state = (id: number | string) => stateOf(stack, id, MP);
  const seed = (n: number, make: (i: number) => Partial<CatalogSku> = () => ({})) => stack.vtex.seed(n, { categoryId: CATEGORY_ID, salesChannel: 1, make });
  const settled = (id: number | string, status: SkuState['status'] = 'synced') =>
    waitFor(
      async () => {
        const s = await state(id);
        return s?.status === status ? s : undefined;
      },
      { timeoutMs: 60_000, describe: async () => `SKU ${id}: ${JSON.stringify(await state(id))}; on Amazon ${JSON.stringify(view(id))}` },
    );
  async function change(sku: CatalogSku, patch: Partial<CatalogSku>, flags: Record<string, boolean>, until: (v: ReturnType<typeof view>) => boolean) {
    const next = stack.vtex.updateSku(sku.id, patch);
    await notifyOk(stack, sku.id, flags);
    await waitFor(() => until(view(sku.id)), { timeoutMs: 60_000, describe: () => `SKU ${sku.id} on Amazon: ${JSON.stringify(view(sku.id))}` });
    return next;
  }
  /** One SKU created through the item path, settled, for the cases that change it. */
  let created: CatalogSku[] = [];
  const fresh = () => {
    const sku = created[nextSku++];
    if (!sku) throw new Error('no fresh SKU left');
    return sku;
  };
  const deadLetters = () => stack.runtime.deadLetters.list();
  /** Messages of every feed the fake received, by SKU → feed processing status. */
  const feedSkus = () => {
    const out = new Map<string, string>();
    for (const feed of fake.feeds()) {
      const doc = JSON.parse(fake.documentContent(feed.inputFeedDocumentId) ?? '{"messages":[]}') as { messages: { sku: string }[] };
      for (const m of doc.messages) out.set(m.sku, feed.processingStatus);
    }
    return out;
  };

  beforeAll(async () => {
    fake = await startFakeAmazon(SCALE, { requiredAttributes: { LUGGAGE: [...AMAZON_DEFAULT_REQUIRED_ATTRIBUTES, 'batteries_required'] } });
    const limits = scaledLimits(manifestLimits(MP), SCALE);
    stack = await startStack({
      configure: (raw) => {
        raw.stores[0].integrations = [
          {
            marketplace: MP,
            minimumStock: 0,
            categoryMappings: { [String(CATEGORY_ID)]: AMAZON_PRODUCT_TYPE, [String(LUGGAGE_CATEGORY)]: 'LUGGAGE' },
            settings: amazonSettings(fake),
            limits: { ...limits, batch: { ...limits.batch, maxWaitMs: LOT_WINDOW_MS } },
          },
        ];
        raw.pipeline = { coalesce: { quietMs: 200, maxDelayMs: 2000 } };
      },
      delivery: { ...scaledFeedPolling(SCALE), retry: { limit: 10, delaySeconds: 1, maxDelaySeconds: 4 }, authProbeSeconds: 3600 },
      pluginHost: { httpTimeoutMs: 5000 },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await fake?.close();
  });

  it('a small lot goes item by item: PUT creates the listing with its offer, every field as VTEX says', async () => {
    const before = { ...fake.counters };
    created = seed(8);
    await notifyAll(stack, created.map((s) => s.id));
    for (const sku of created) {
      const s = await settled(sku.id);
      expect(s.marketplaceId).toBe(`${AMAZON_PRODUCT_TYPE}:${sku.id}`);
      expect(await stack.runtime.state.idMapping(account(), MP, String(sku.id))).toBe(s.marketplaceId);
      amazon.expectHolds(fake, sku);
    }
    expect(fake.counters.listingPuts - before.listingPuts).toBe(created.length);
    expect(fake.counters.feedsCreated).toBe(before.feedsCreated);
    expect(fake.counters.offersBeforeCatalogued).toBe(0);
  });

  it('a stock change reaches Amazon as a PATCH (no PUT, no feed)', async () => {
    const sku = fresh();
    const before = { ...fake.counters };
    await change(sku, { stock: sku.stock + 7 }, { StockModified: true }, (v) => v?.stock === sku.stock + 7);
    await settled(sku.id);
    expect(fake.counters.listingPatches).toBeGreaterThan(before.listingPatches);
    expect(fake.counters.listingPuts).toBe(before.listingPuts);
    expect(fake.counters.feedsCreated).toBe(before.feedsCreated);
    expect(view(sku.id)).toMatchObject({ price: sku.sellingPrice ?? sku.price, active: true });
  });

  it('a price change reaches Amazon as a PATCH (a small lot\'s item carries every attribute: no changed list)', async () => {
    const sku = fresh();
    const before = { ...fake.counters };
    const price = (sku.sellingPrice ?? sku.price) + 1_250;
    await change(sku, { price, sellingPrice: price, listPrice: Math.max(sku.listPrice, price) }, { PriceModified: true }, (v) => v?.price === price);
    await settled(sku.id);
    expect(fake.counters.listingPatches).toBeGreaterThan(before.listingPatches);
    expect(fake.counters.listingPuts).toBe(before.listingPuts);
    expect(view(sku.id)).toMatchObject({ stock: sku.stock, active: true });
  });

  it('takes a SKU VTEX no longer sells off sale (stock 0, listing kept: blocked), and puts it back on sale', async () => {
    const sku = fresh();
    await change(sku, { isActive: false }, { IsActive: false }, (v) => v?.active === false && v.stock === 0);
    await settled(sku.id, 'blocked');
    expect(view(sku.id)).toMatchObject({ catalogued: true, stock: 0 });
    await change(sku, { isActive: true }, { IsActive: true, HasStockKeepingUnitModified: true }, (v) => v?.active === true && v.stock === sku.stock);
    await settled(sku.id);
    expect(await stack.runtime.state.idMapping(account(), MP, String(sku.id))).toBe(`${AMAZON_PRODUCT_TYPE}:${sku.id}`);
  });

  it("a large lot goes as a JSON_LISTINGS_FEED: accepted messages synced, rejected ones failed with Amazon's issue", async () => {
    const feedsBefore = fake.counters.feedsCreated;
    // Every fourth SKU in a category mapped to LUGGAGE, whose listings Amazon refuses without batteries_required.
    const skus = seed(300, (i) => (i % 4 === 0 ? { categoryId: LUGGAGE_CATEGORY } : {}));
    await notifyAll(stack, skus.map((s) => s.id));
    const outcome = async () => Promise.all(skus.map(async (s) => (await state(s.id))?.status));
    await waitFor(async () => (await outcome()).every((s) => s === 'synced' || s === 'failed'), {
      timeoutMs: 90_000,
      describe: async () => JSON.stringify((await outcome()).reduce<Record<string, number>>((a, s) => ({ ...a, [String(s)]: (a[String(s)] ?? 0) + 1 }), {})),
    });
    expect(fake.counters.feedsCreated).toBeGreaterThan(feedsBefore);
    const viaFeed = feedSkus();
    expect(skus.filter((s) => viaFeed.has(String(s.id))).length).toBeGreaterThanOrEqual(PER_ITEM_BELOW);
    for (const [i, sku] of skus.entries()) {
      const s = (await state(sku.id))!;
      if (i % 4 === 0) {
        expect(s.status, `SKU ${sku.id}`).toBe('failed');
        expect(s.fixes.map((f) => f.message).join(' ')).toMatch(/'batteries_required' is required but not supplied\..*90220/);
        expect(view(sku.id)).toBeUndefined();
      } else {
        expect(s.status, `SKU ${sku.id}`).toBe('synced');
        expect(s.marketplaceId).toBe(`${AMAZON_PRODUCT_TYPE}:${sku.id}`);
        amazon.expectHolds(fake, sku);
      }
    }
    expect(fake.counters.offersBeforeCatalogued).toBe(0);
  });

  it("a FATAL feed fails every item of its lot with Amazon's reason", async () => {
    const fatalBefore = fake.counters.feedsFatal;
    fake.failNextFeeds(1);
    const skus = seed(250);
    await notifyAll(stack, skus.map((s) => s.id));
    await waitFor(() => fake.counters.feedsFatal > fatalBefore, { timeoutMs: 90_000 });
    const fatal = fake.feeds().find((f) => f.processingStatus === 'FATAL')!;
    const inFatal = (JSON.parse(fake.documentContent(fatal.inputFeedDocumentId)!) as { messages: { sku: string }[] }).messages.map((m) => m.sku);
    expect(inFatal.length).toBeGreaterThanOrEqual(PER_ITEM_BELOW);
    for (const id of inFatal) {
      const s = await settled(id, 'failed');
      expect(s.fixes.map((f) => f.message).join(' ')).toMatch(new RegExp(`Amazon could not process feed ${fatal.feedId} \\(FATAL\\).*internal error \\(injected by the test\\)`));
      expect(view(id)).toBeUndefined();
    }
  });

  it('waits out 429s and delivers', async () => {
    const sku = fresh();
    const limited = fake.counters.rateLimited;
    fake.faults.rateLimitNext(3, 1);
    await change(sku, { stock: sku.stock + 3 }, { StockModified: true }, (v) => v?.stock === sku.stock + 3);
    await settled(sku.id);
    expect(fake.counters.rateLimited).toBe(limited + 3);
    expect(await deadLetters()).toEqual([]);
  });

  it('refreshes an expired LWA access token on the 403 and delivers, without pausing', async () => {
    const sku = fresh();
    const refreshes = fake.counters.tokenRefreshes;
    const refused = fake.counters.unauthorized;
    fake.expireAccessTokens();
    const price = (sku.sellingPrice ?? sku.price) + 300;
    await change(sku, { price, sellingPrice: price, listPrice: Math.max(sku.listPrice, price) }, { PriceModified: true }, (v) => v?.price === price);
    await settled(sku.id);
    expect(fake.counters.tokenRefreshes).toBe(refreshes + 1);
    expect(fake.counters.unauthorized).toBeGreaterThan(refused);
    expect((await stack.runtime.contingency.status(account(), MP))[0]?.paused ?? false).toBe(false);
  });

  it('retries a 5xx, then delivers (nothing dead-lettered)', async () => {
    const sku = fresh();
    fake.faults.failNext(1, 503);
    await change(sku, { stock: sku.stock + 11 }, { StockModified: true }, (v) => v?.stock === sku.stock + 11);
    await settled(sku.id);
    expect(await deadLetters()).toEqual([]);
  });
});
