import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ML_CATEGORY, notifyAll, startStack, type Stack } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

interface StateRow {
  sku_id: string;
  status: string;
  marketplace_id: string | null;
  attempts: number;
}

describe('a notification travels from the webhook through pg-boss to Mercado Livre', () => {
  let stack: Stack;
  const SKUS = 200;

  beforeAll(async () => {
    stack = await startStack({ skus: SKUS });
  });
  afterAll(async () => stack?.close());

  const states = () =>
    stack.runtime.db.query<StateRow>(`select sku_id, status, marketplace_id, attempts from sku_state where store = $1 and marketplace = 'mercadolivre'`, [stack.vtex.account]);

  it(`syncs ${SKUS} SKUs with VTEX's price and stock, state rows synced and id mappings stored`, async () => {
    const skus = stack.vtex.listSkus();
    expect(skus).toHaveLength(SKUS);
    await notifyAll(stack, skus.map((s) => s.id));

    await waitFor(async () => (await states()).filter((r) => r.status === 'synced').length === SKUS, {
      describe: async () => JSON.stringify((await states()).filter((r) => r.status !== 'synced').slice(0, 3)),
    });

    const rows = await states();
    const mappings = await stack.runtime.db.query<{ sku_id: string; marketplace_id: string }>(
      `select sku_id, marketplace_id from id_mappings where store = $1 and marketplace = 'mercadolivre'`,
      [stack.vtex.account],
    );
    expect(mappings).toHaveLength(SKUS);
    const byRemote = new Map(mappings.map((m) => [m.marketplace_id, m.sku_id]));
    expect(stack.ml.items.size).toBe(SKUS);
    for (const sku of skus) {
      const item = stack.ml.getItemBySellerSku(String(sku.id));
      expect(item, `item for SKU ${sku.id}`).toBeDefined();
      expect(item!.price).toBe((sku.sellingPrice ?? sku.price) / 100);
      expect(item!.available_quantity).toBe(sku.stock);
      expect(item!.category_id).toBe(ML_CATEGORY);
      expect(item!.title.length).toBeLessThanOrEqual(60);
      expect(byRemote.get(item!.id)).toBe(String(sku.id));
      expect(rows.find((r) => r.sku_id === String(sku.id))?.marketplace_id).toBe(item!.id);
    }
    expect(stack.ml.counters.creates).toBe(SKUS);
  });

  it('updates the price on a second notification, without creating again', async () => {
    const sku = stack.vtex.listSkus()[3];
    const creates = stack.ml.counters.creates;
    const updates = stack.ml.counters.updates;
    const changed = stack.vtex.updateSku(sku.id, { price: sku.price + 1234, sellingPrice: (sku.sellingPrice ?? sku.price) + 1234 });
    expect(await stack.vtex.notify(stack.webhook, sku.id, { PriceModified: true })).toBe(200);

    const item = () => stack.ml.getItemBySellerSku(String(sku.id))!;
    await waitFor(() => item().price === (changed.sellingPrice ?? changed.price) / 100, { describe: () => `price is ${item().price}` });
    expect(stack.ml.counters.creates).toBe(creates);
    expect(stack.ml.counters.updates).toBe(updates + 1);
  });

  it('waits out a 429 from the marketplace instead of counting it as a failure', async () => {
    const sku = stack.vtex.listSkus()[10];
    stack.ml.faults.rateLimitNext(3, 1);
    const rateLimited = stack.ml.counters.rateLimited;
    stack.vtex.updateSku(sku.id, { stock: sku.stock + 5 });
    expect(await stack.vtex.notify(stack.webhook, sku.id, { StockModified: true })).toBe(200);

    await waitFor(() => stack.ml.getItemBySellerSku(String(sku.id))!.available_quantity === sku.stock + 5, { timeoutMs: 30_000 });
    expect(stack.ml.counters.rateLimited).toBe(rateLimited + 3);
    // The marketplace holds the update a moment before the delivery's outcome is committed.
    const row = await waitFor(async () => {
      const [r] = await stack.runtime.db.query<StateRow>(
        `select sku_id, status, marketplace_id, attempts from sku_state where store = $1 and sku_id = $2`,
        [stack.vtex.account, String(sku.id)],
      );
      return r.status === 'pending' ? undefined : r;
    });
    // One attempt for this payload: the three 429s were waited out inside it, not retried as failures.
    expect(row).toMatchObject({ status: 'synced', attempts: 1 });
  });

  it('skips a notification whose SKU did not change (nothing sent again)', async () => {
    const sku = stack.vtex.listSkus()[20];
    const before = { creates: stack.ml.counters.creates, updates: stack.ml.counters.updates };
    const { boss } = stack.runtime;
    const account = stack.vtex.account;
    const jobs = (queue: string) => boss.findJobs(queue, { key: String(sku.id) });
    const syncsBefore = (await jobs(`marketplace-sync.${account}.mercadolivre`)).length;
    const deliveriesBefore = (await jobs(`delivery.${account}.mercadolivre`)).length;
    expect(await stack.vtex.notify(stack.webhook, sku.id, { StockModified: true })).toBe(200);
    // Wait until the new marketplace-sync job for this SKU has run to completion: by then any
    // delivery it decided on would exist.
    await waitFor(async () => {
      const sync = await jobs(`marketplace-sync.${account}.mercadolivre`);
      return sync.length > syncsBefore && sync.every((j) => j.state === 'completed');
    });
    expect(await jobs(`delivery.${account}.mercadolivre`)).toHaveLength(deliveriesBefore);
    expect(stack.ml.counters.creates).toBe(before.creates);
    expect(stack.ml.counters.updates).toBe(before.updates);
  });
});
