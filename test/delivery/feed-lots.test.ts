import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorRuntime } from '@connector/core';
import type { FakeFeedMarketplace, FakeVtex } from '../fakes/index.js';
import { startFeedmarketStack, type FeedmarketStack } from '../support/feedmarket-stack.js';
import { notifyAll } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

describe('feed marketplace: lots, feed-status polling, product before offer', () => {
  let stack: FeedmarketStack;
  let vtex: FakeVtex;
  let fm: FakeFeedMarketplace;
  let runtime: ConnectorRuntime;
  let webhook: string;
  const SKUS = 100;

  beforeAll(async () => {
    stack = await startFeedmarketStack({ account: 'feedstore', skus: SKUS, fake: { maxItems: 40, pollsToFinish: 2 }, delivery: { feedPollSeconds: 0.2, feedMaxPollSeconds: 1 } });
    ({ vtex, fm, runtime, webhook } = stack);
  });
  afterAll(async () => {
    await stack?.close();
  });

  const states = () => runtime.db.query<{ sku_id: string; status: string; fixes: Array<{ message: string }> }>(`select sku_id, status, fixes from sku_state where store = $1`, [vtex.account]);
  const expectedPrice = (id: number) => {
    const s = vtex.getSku(id)!;
    return (s.sellingPrice ?? s.price) / 100;
  };

  it('groups SKUs into lots of at most maxItems, confirms products first, then sends offers — never an offer before its product', async () => {
    const skus = vtex.listSkus();
    await notifyAll({ vtex, webhook }, skus.map((s) => s.id));
    // While the product lots are in flight, prices change: those offers must wait for their product too.
    for (const sku of skus.slice(0, 10)) vtex.updateSku(sku.id, { price: sku.price + 500, sellingPrice: (sku.sellingPrice ?? sku.price) + 500 });
    await notifyAll({ vtex, webhook }, skus.slice(0, 10).map((s) => s.id), { PriceModified: true });

    await waitFor(async () => (await states()).filter((r) => r.status === 'synced').length === SKUS, {
      timeoutMs: 90_000,
      describe: async () => JSON.stringify((await states()).filter((r) => r.status !== 'synced').slice(0, 3)),
    });
    expect(fm.counters.offersBeforeProduct).toBe(0);
    expect(fm.products.size).toBe(SKUS);
    for (const sku of skus) {
      const offer = fm.offers.get(String(sku.id));
      expect(offer, `offer of ${sku.id}`).toBeDefined();
      expect(offer!.price).toBe(expectedPrice(sku.id));
      expect(offer!.quantity).toBe(sku.stock);
    }
    // Each product was sent once; lots respect maxItems.
    const productFeedsPerSku = new Map<string, number>();
    for (const f of fm.feeds.values()) if (f.type === 'PRODUCT') for (const m of f.messages) productFeedsPerSku.set(m.sku, (productFeedsPerSku.get(m.sku) ?? 0) + 1);
    expect([...productFeedsPerSku.values()].every((n) => n === 1)).toBe(true);
    expect(fm.counters.productMessages).toBe(SKUS);
    for (const feed of fm.feeds.values()) expect(feed.messages.length).toBeLessThanOrEqual(40);

    // The lot history: every lot done, what was in it and each item's outcome.
    const lots = await runtime.lots.list(vtex.account, 'feedmarket', { limit: 100 });
    expect(lots.length).toBe(fm.counters.feeds);
    expect(lots.every((l) => l.status === 'done')).toBe(true);
    expect(lots.filter((l) => l.operation === 'product').reduce((n, l) => n + Number(l.accepted), 0)).toBe(SKUS);
    const items = await runtime.db.query<{ outcome: string }>(`select outcome from lot_items`);
    expect(items.every((i) => i.outcome === 'accepted')).toBe(true);
    // Product ids were stored as the SKUs' marketplace ids.
    const [mapped] = await runtime.db.query<{ n: number }>(`select count(*)::int as n from id_mappings where store = $1 and marketplace = 'feedmarket' and marketplace_id like 'FM%'`, [vtex.account]);
    expect(mapped!.n).toBe(SKUS);
  });

  it('sends only an offer lot for a price change of a confirmed product', async () => {
    const sku = vtex.listSkus()[50]!;
    const products = fm.counters.productMessages;
    vtex.updateSku(sku.id, { price: sku.price + 99, sellingPrice: (sku.sellingPrice ?? sku.price) + 99 });
    expect(await vtex.notify(webhook, sku.id, { PriceModified: true })).toBe(200);
    await waitFor(() => fm.offers.get(String(sku.id))?.price === expectedPrice(sku.id), { timeoutMs: 30_000 });
    expect(fm.counters.productMessages).toBe(products);
    expect(fm.counters.offersBeforeProduct).toBe(0);
  });

  it("shows the marketplace's refusal of an item to the seller", async () => {
    const sku = vtex.listSkus()[60]!;
    vtex.updateSku(sku.id, { price: 0, sellingPrice: 0 });
    expect(await vtex.notify(webhook, sku.id, { PriceModified: true })).toBe(200);
    await waitFor(async () => (await states()).find((r) => r.sku_id === String(sku.id))?.status === 'failed', { timeoutMs: 30_000 });
    const row = (await states()).find((r) => r.sku_id === String(sku.id))!;
    expect(row.fixes[0]!.message).toContain('price must be a number above 0');
  });

  it('refreshes an expired token through the plugin and carries on without pausing', async () => {
    const sku = vtex.listSkus()[70]!;
    const refreshes = fm.counters.tokenRefreshes;
    fm.expireAccessTokens();
    vtex.updateSku(sku.id, { stock: sku.stock + 7 });
    expect(await vtex.notify(webhook, sku.id, { StockModified: true })).toBe(200);
    await waitFor(() => fm.offers.get(String(sku.id))?.quantity === sku.stock + 7, { timeoutMs: 30_000 });
    expect(fm.counters.tokenRefreshes).toBeGreaterThan(refreshes);
    expect((await runtime.contingency.status(vtex.account, 'feedmarket')).some((p) => p.paused)).toBe(false);
  });
});
