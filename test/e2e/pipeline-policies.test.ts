import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConnectorError } from '@connector/core';
import { FakeMercadoLivre } from '../fakes/index.js';
import { lastLogId, notifyOk, waitForLog } from '../support/pipeline.js';
import { CATEGORY_ID, startStack, type Stack } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

/**
 * Merchant policies, per integration: Mercado Livre with a minimum stock of 5 and a 30 % price-drop
 * guard; a second marketplace (the fixture plugin, on its own fake) with a stock buffer of 2.
 */
describe('merchant policies', () => {
  let stack: Stack;
  let other: FakeMercadoLivre;
  const OTHER = 'mercadolivre-classic';

  beforeAll(async () => {
    other = await FakeMercadoLivre.start();
    stack = await startStack({
      minimumStock: 5,
      policies: { priceDropGuard: { maxDropPercent: 30 } },
      configure: (raw) => {
        raw.pipeline = { coalesce: { quietMs: 200, maxDelayMs: 5000 } };
        raw.plugins = { paths: [new URL('../fixtures/plugins', import.meta.url).pathname] };
        raw.stores[0].integrations.push({
          marketplace: OTHER,
          policies: { stockBuffer: 2 },
          categoryMappings: { [String(CATEGORY_ID)]: 'MLB2000' },
          settings: { accessToken: other.issueAccessToken(), apiBaseUrl: other.url },
        });
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await other?.close();
  });

  let nextId = 5000;
  const seedOne = (make: Record<string, unknown> = {}) => stack.vtex.seed(1, { startId: nextId++, categoryId: CATEGORY_ID, salesChannel: 1, make: () => make })[0];
  const ml = (id: number) => stack.ml.getItemBySellerSku(String(id));
  const classic = (id: number) => other.getItemBySellerSku(String(id));
  const warnings = (id: number, marketplace = 'mercadolivre') => stack.runtime.policyWarnings.list({ store: stack.vtex.account, marketplace, skuId: String(id) });

  /** Sends a notification and waits until both marketplaces logged the S1 it caused. */
  async function change(id: number, flags: Record<string, boolean>) {
    const after = await lastLogId(stack);
    await notifyOk(stack, id, flags);
    const s1 = await waitForLog(stack, id, 'S1', after);
    await waitForLog(stack, id, 'S1', after, OTHER);
    return s1;
  }

  it('minimum stock: stock 3 with minimum 5 → the marketplace holds 0 and a warning exists; stock 9 → 9 is sent and the warning cleared', async () => {
    const sku = seedOne({ stock: 3 });
    const created = await change(sku.id, { HasStockKeepingUnitModified: true });
    expect(ml(sku.id)).toMatchObject({ available_quantity: 0, status: 'paused', sub_status: ['out_of_stock'] });
    expect(created.BusinessMessage).toContain('stock 3 ≤ minimum 5: 0 sent');
    expect(await warnings(sku.id)).toEqual([
      expect.objectContaining({
        policy: 'minimum-stock',
        kind: 'inventory',
        details: { stock: 3, minimum: 5 },
        message: 'Stock 3 is at or below the minimum of 5 set for Mercado Livre: Mercado Livre is sent 0 until the stock rises above 5.',
      }),
    ]);
    // The other marketplace has no minimum, but holds 2 units back.
    expect(classic(sku.id)).toMatchObject({ available_quantity: 1 });
    expect(await warnings(sku.id, OTHER)).toEqual([]);

    stack.vtex.updateSku(sku.id, { stock: 9 });
    await change(sku.id, { StockModified: true });
    expect(ml(sku.id)).toMatchObject({ available_quantity: 9, status: 'active' });
    expect(await warnings(sku.id)).toEqual([]);
    expect(classic(sku.id)).toMatchObject({ available_quantity: 7 });
  });

  it('stock buffer: when it takes all the stock the marketplace gets 0 and an inventory warning', async () => {
    const sku = seedOne({ stock: 2 });
    await change(sku.id, { HasStockKeepingUnitModified: true });
    expect(classic(sku.id)).toMatchObject({ available_quantity: 0 });
    expect(await warnings(sku.id, OTHER)).toEqual([expect.objectContaining({ policy: 'stock-buffer', kind: 'inventory', details: { stock: 2, buffer: 2 } })]);
  });

  it('price-drop guard: a cut beyond 30 % is held for review while stock keeps flowing; approving it sends it; a normal price clears the warning', async () => {
    const sku = seedOne({ price: 19_900, sellingPrice: 19_900, listPrice: 19_900, stock: 20 });
    await change(sku.id, { HasStockKeepingUnitModified: true });
    expect(ml(sku.id)).toMatchObject({ price: 199 });

    // A typo in VTEX: 19.90 for 199.00, and a sale brought the stock down.
    stack.vtex.updateSku(sku.id, { price: 1_990, sellingPrice: 1_990, stock: 12 });
    const held = await change(sku.id, { PriceModified: true, StockModified: true });
    expect(ml(sku.id)).toMatchObject({ price: 199, available_quantity: 12 });
    expect(held.BusinessMessage).toContain('price cut to 19.90 held for review');
    expect(classic(sku.id)).toMatchObject({ price: 19.9 }); // no guard on the other marketplace
    const [warning] = await warnings(sku.id);
    expect(warning).toMatchObject({ policy: 'price-drop-guard', kind: 'price', details: { referencePrice: 19_900, proposed: 1_990, dropPercent: 90, maxDropPercent: 30 }, approvedAt: null });

    // Still held on the next change (successive cuts add up against the price last sent).
    stack.vtex.updateSku(sku.id, { stock: 11 });
    await change(sku.id, { StockModified: true });
    expect(ml(sku.id)).toMatchObject({ price: 199, available_quantity: 11 });

    const after = await lastLogId(stack);
    expect(await stack.runtime.policyWarnings.approve(stack.vtex.account, 'mercadolivre', String(sku.id), 'price-drop-guard')).toEqual({ approved: 1_990 });
    const approved = await waitForLog(stack, sku.id, 'S1', after);
    expect(approved.BusinessMessage).toContain('approved by a reviewer');
    expect(approved.RequestId).toMatch(/^approval\.price-drop-guard:/);
    expect(ml(sku.id)).toMatchObject({ price: 19.9 });
    await waitFor(async () => (await warnings(sku.id)).length === 0);

    const error = await stack.runtime.policyWarnings.approve(stack.vtex.account, 'mercadolivre', String(sku.id), 'price-drop-guard').catch((e: unknown) => e);
    expect(isConnectorError(error) && error.code).toBe('CONNECTOR_ERR_INVALID_ARGUMENT');

    // A cut within the limit goes straight through.
    stack.vtex.updateSku(sku.id, { price: 1_500, sellingPrice: 1_500 });
    await change(sku.id, { PriceModified: true });
    expect(ml(sku.id)).toMatchObject({ price: 15 });
    expect(await warnings(sku.id)).toEqual([]);
  });

  it('clears a SKU’s warnings when it is withdrawn', async () => {
    const sku = seedOne({ stock: 1 });
    await change(sku.id, { HasStockKeepingUnitModified: true });
    expect(await warnings(sku.id)).toHaveLength(1);
    stack.vtex.updateSku(sku.id, { isActive: false });
    await change(sku.id, { IsActive: false });
    expect(ml(sku.id)).toMatchObject({ status: 'paused', available_quantity: 0 });
    expect(await warnings(sku.id)).toEqual([]);
  });
});
