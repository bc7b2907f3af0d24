import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifyAll, startStack, type Stack } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

describe('reconciliation and periodic refresh', () => {
  let stack: Stack;
  const SKUS = 30;

  beforeAll(async () => {
    stack = await startStack({ skus: SKUS, limits: { rate: { default: { perSecond: 200, burst: 20 } } } });
    await notifyAll(stack, stack.vtex.listSkus().map((s) => s.id));
    await waitFor(async () => (await synced()) === SKUS, { timeoutMs: 60_000 });
  });
  afterAll(async () => stack?.close());

  const synced = async () =>
    (await stack.runtime.db.query<{ n: number }>(`select count(*)::int as n from sku_state where store = $1 and status = 'synced'`, [stack.vtex.account]))[0]!.n;
  const item = (id: number) => stack.ml.getItemBySellerSku(String(id))!;

  it('detects drift injected behind our back and repairs it in one cycle, best sellers first', async () => {
    const skus = stack.vtex.listSkus();
    const [cold1, hot1, lost, hot2, cold2] = [skus[2]!, skus[4]!, skus[10]!, skus[17]!, skus[25]!];
    // Sales history: stock notifications make SKUs 4 (5 of them) and 17 (3) the best sellers.
    for (let i = 0; i < 5; i++) await notifyAll(stack, [hot1.id], { StockModified: true });
    for (let i = 0; i < 3; i++) await notifyAll(stack, [hot2.id], { StockModified: true });
    expect((await stack.runtime.reconciler.hotSkus(stack.vtex.account, 2)).map((h) => h.skuId)).toEqual([String(hot1.id), String(hot2.id)]);
    // Let those (no-op) notifications go through the pipeline before injecting drift.
    await waitFor(async () => (await stack.runtime.db.query(`select 1 from notifications where dispatched_at is null`)).length === 0);
    await waitFor(async () => (await synced()) === SKUS);

    // Drift on the marketplace: stock and a price changed behind the connector's back…
    for (const s of [cold1, hot1, hot2, cold2]) item(s.id).available_quantity = s.stock + 40;
    item(cold2.id).price = 1.23;
    // …and a VTEX change whose notification was lost.
    stack.vtex.updateSku(lost.id, { stock: lost.stock + 3 });

    const run = await stack.runtime.reconciler.runOnce(stack.vtex.account, 'mercadolivre', { scope: 'full' });
    expect(run, run.error).toMatchObject({ status: "done", checked: SKUS, drifted: 5 });
    const drifts = await stack.runtime.reconciler.drifts({ runId: run.id });
    // Found in priority order: the best sellers first, then the rest by SKU.
    expect(drifts.map((d) => [d.skuId, d.kind, d.hotRank])).toEqual([
      [String(hot1.id), 'marketplace', 1],
      [String(hot2.id), 'marketplace', 2],
      [String(cold1.id), 'marketplace', null],
      [String(lost.id), 'vtex', null],
      [String(cold2.id), 'marketplace', null],
    ]);
    expect(drifts[4]!.fields).toEqual({
      available_quantity: { expected: cold2.stock, actual: cold2.stock + 40 },
      price: { expected: (cold2.sellingPrice ?? cold2.price) / 100, actual: 1.23 },
    });
    expect(drifts[3]!.fields.stock).toEqual({ expected: lost.stock + 3, actual: lost.stock });

    // Repaired: the marketplace holds VTEX's data again.
    await waitFor(() => [cold1, hot1, hot2, cold2].every((s) => item(s.id).available_quantity === s.stock) && item(lost.id).available_quantity === lost.stock + 3, {
      timeoutMs: 60_000,
      describe: () => JSON.stringify([cold1, hot1, lost, hot2, cold2].map((s) => [s.id, item(s.id).available_quantity, item(s.id).price])),
    });
    expect(item(cold2.id).price).toBe((cold2.sellingPrice ?? cold2.price) / 100);
    await waitFor(async () => (await stack.runtime.reconciler.drifts({ runId: run.id })).every((d) => d.repaired), { timeoutMs: 30_000 });
    // Repairs update the existing items: nothing was created twice.
    expect(stack.ml.counters.creates).toBe(SKUS);

    // A second cycle finds nothing left.
    await waitFor(async () => (await synced()) === SKUS);
    const again = await stack.runtime.reconciler.runOnce(stack.vtex.account, 'mercadolivre', { scope: 'full' });
    expect(again).toMatchObject({ status: 'done', checked: SKUS, drifted: 0 });
  });

  it('the hot cycle checks only the best sellers', async () => {
    const run = await stack.runtime.reconciler.runOnce(stack.vtex.account, 'mercadolivre', { scope: 'hot' });
    expect(run).toMatchObject({ status: 'done', checked: 2, drifted: 0 });
  });

  it('creates again an item that disappeared from the marketplace', async () => {
    const sku = stack.vtex.listSkus()[7]!;
    const gone = item(sku.id);
    stack.ml.items.delete(gone.id);
    const run = await stack.runtime.reconciler.runOnce(stack.vtex.account, 'mercadolivre', { scope: 'full' });
    expect(run).toMatchObject({ status: 'done', drifted: 1 });
    expect((await stack.runtime.reconciler.drifts({ runId: run.id }))[0]).toMatchObject({ skuId: String(sku.id), kind: 'missing' });
    await waitFor(() => stack.ml.getItemBySellerSku(String(sku.id)) !== undefined, { timeoutMs: 30_000 });
    expect(item(sku.id).id).not.toBe(gone.id);
    expect(item(sku.id).available_quantity).toBe(sku.stock);
  });

  it('the periodic VTEX refresh keeps stock right when notifications are lost', async () => {
    const sku = stack.vtex.listSkus()[12]!;
    stack.vtex.updateSku(sku.id, { stock: sku.stock + 11 });
    const run = await stack.runtime.reconciler.refresh(stack.vtex.account);
    expect(run).toMatchObject({ status: 'done', checked: SKUS, drifted: 1 });
    await waitFor(() => item(sku.id).available_quantity === sku.stock + 11, { timeoutMs: 30_000 });
  });
});
