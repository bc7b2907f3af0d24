/**
 * Feed marketplaces, plugin API 1.1: a lot's submission draws on the budget of its kind
 * (`submitFeed.product` / `submitFeed.offer`), a lot whose slot is far away is given back and keeps
 * filling instead of holding a worker, a lot whose items stopped coming goes after `quietMs` (here a
 * minute before its `maxWaitMs`: every wait in this file is shorter than that), `checkFeed` learns which SKUs the lot carried, and a SKU VTEX no
 * longer sells is taken off sale in a lot (a withdrawal item) and put back on sale later.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorRuntime } from '@connector/core';
import type { FakeFeedMarketplace, FakeVtex } from '../fakes/index.js';
import { startFeedmarketStack, type FeedmarketStack } from '../support/feedmarket-stack.js';
import { notifyAll } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

/** One product import every 12 s: further away than the 10 s a submission may wait for its slot. */
const PRODUCT_EVERY_MS = 12_000;

describe('feed marketplace: per-kind submission budgets, withdrawals in lots', () => {
  let stack: FeedmarketStack;
  let vtex: FakeVtex;
  let fm: FakeFeedMarketplace;
  let runtime: ConnectorRuntime;
  let webhook: string;
  const SKUS = 60;

  beforeAll(async () => {
    stack = await startFeedmarketStack({
      account: 'feedbudgets',
      skus: SKUS,
      fake: { maxItems: 100, pollsToFinish: 1 },
      limits: {
        rate: { 'submitFeed.product': { perMinute: 60_000 / PRODUCT_EVERY_MS }, 'submitFeed.offer': { perSecond: 5, burst: 2 } },
        // Lots go when their items stop coming (quietMs), long before maxWaitMs.
        batch: { maxItems: 100, maxWaitMs: 60_000, quietMs: 300 },
      },
      delivery: { feedPollSeconds: 0.2, feedMaxPollSeconds: 0.5 },
    });
    ({ vtex, fm, runtime, webhook } = stack);
  });
  afterAll(async () => {
    await stack?.close();
  });

  const stateOf = async (skuId: number) =>
    (await runtime.db.query<{ status: string }>(`select status from sku_state where store = $1 and marketplace = 'feedmarket' and sku_id = $2`, [vtex.account, String(skuId)]))[0]?.status;
  const statuses = () => runtime.db.query<{ sku_id: string; status: string }>(`select sku_id, status from sku_state where store = $1`, [vtex.account]);
  const productFeeds = () => [...fm.feeds.values()].filter((f) => f.type === 'PRODUCT').sort((a, b) => a.submittedAt - b.submittedAt);

  it('spaces product lots by their own budget while offers go on theirs; a lot waiting for its slot keeps filling', async () => {
    const [first, ...rest] = vtex.listSkus();
    // One SKU alone: its product lot takes the first slot…
    await notifyAll({ vtex, webhook }, [first!.id]);
    await waitFor(() => productFeeds().length === 1, { timeoutMs: 30_000 });
    // …and its offer goes at once on the offer budget, while the next product slot is still far away.
    await waitFor(() => fm.offers.has(String(first!.id)), { timeoutMs: 30_000 });
    expect(productFeeds()).toHaveLength(1);
    // The others arrive over several lots' worth of waiting: they are gathered into the lot waiting for the next slot.
    await notifyAll({ vtex, webhook }, rest.slice(0, 20).map((s) => s.id));
    await notifyAll({ vtex, webhook }, rest.slice(20).map((s) => s.id));
    await waitFor(async () => (await statuses()).filter((r) => r.status === 'synced').length === SKUS, {
      timeoutMs: 120_000,
      describe: async () => JSON.stringify({ productFeeds: productFeeds().map((f) => f.messages.length), states: (await statuses()).filter((r) => r.status !== 'synced').slice(0, 5) }),
    });
    const feeds = productFeeds();
    expect(feeds.map((f) => f.messages.length)).toEqual([1, SKUS - 1]);
    // The budget held: the second product import came no sooner than its slot (less the GCRA's spacing guard).
    expect(feeds[1]!.submittedAt - feeds[0]!.submittedAt).toBeGreaterThanOrEqual(PRODUCT_EVERY_MS - 500);
    expect(fm.counters.offersBeforeProduct).toBe(0);
    const lots = await runtime.db.query<{ operation: string; status: string }>(`select operation, status from lots where store = $1`, [vtex.account]);
    expect(lots.filter((l) => l.status !== 'done')).toEqual([]);
  });

  it('takes a SKU VTEX no longer sells off sale in an offer lot (stock 0, state blocked), and puts it back later', async () => {
    const sku = vtex.listSkus()[5]!;
    const price = fm.offers.get(String(sku.id))!.price;
    vtex.updateSku(sku.id, { isActive: false });
    expect(await vtex.notify(webhook, sku.id, { IsActive: false, HasStockKeepingUnitModified: true })).toBe(200);
    await waitFor(async () => (await stateOf(sku.id)) === 'blocked' && fm.offers.get(String(sku.id))?.quantity === 0, { timeoutMs: 60_000 });
    // The offer kept its price: only the stock went to 0; no product message was sent again.
    expect(fm.offers.get(String(sku.id))).toMatchObject({ price, quantity: 0 });
    const [item] = await runtime.db.query<{ withdraw: boolean; payload: unknown }>(
      `select i.withdraw, i.payload from lot_items i join lots l on l.id = i.lot_id where l.store = $1 and i.sku_id = $2 order by l.id desc limit 1`,
      [vtex.account, String(sku.id)],
    );
    expect(item).toEqual({ withdraw: true, payload: {} });

    vtex.updateSku(sku.id, { isActive: true, stock: 11 });
    expect(await vtex.notify(webhook, sku.id, { IsActive: true, HasStockKeepingUnitModified: true })).toBe(200);
    await waitFor(async () => (await stateOf(sku.id)) === 'synced' && fm.offers.get(String(sku.id))?.quantity === 11, { timeoutMs: 60_000 });
  });
});
