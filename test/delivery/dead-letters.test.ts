import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

describe('retries and dead letters', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      skus: 3,
      limits: { rate: { default: { perSecond: 200, burst: 20 } } },
      // A breaker that never opens here: this test is about one SKU failing every retry.
      delivery: { breaker: { failureThreshold: 1000 }, retry: { limit: 10, delaySeconds: 0, maxDelaySeconds: 1 } },
    });
  });
  afterAll(async () => stack?.close());

  const state = async (skuId: number) =>
    (await stack.runtime.db.query<{ status: string; attempts: number }>(`select status, attempts from sku_state where store = $1 and sku_id = $2`, [stack.vtex.account, String(skuId)]))[0];

  it('retries a 5xx storm 10 times, then dead-letters the job with the last error', async () => {
    const sku = stack.vtex.listSkus()[0]!;
    stack.ml.faults.failNext(11, 503);
    expect(await stack.vtex.notify(stack.webhook, sku.id, { HasStockKeepingUnitModified: true })).toBe(200);

    await waitFor(async () => (await stack.runtime.deadLetters.list()).length === 1, { timeoutMs: 90_000, describe: async () => JSON.stringify(await state(sku.id)) });
    const [dead] = await stack.runtime.deadLetters.list();
    expect(dead).toMatchObject({ store: stack.vtex.account, marketplace: 'mercadolivre', skuId: String(sku.id), retries: 10, queue: `delivery.${stack.vtex.account}.mercadolivre` });
    expect(JSON.stringify(dead!.lastError)).toContain('CONNECTOR_ERR_MARKETPLACE_UNAVAILABLE');
    expect(JSON.stringify(dead!.lastError)).toContain('503');
    // The first attempt and 10 retries, all refused by the marketplace (the retries look the item up first, in case a create went through).
    expect(stack.ml.counters.requests - stack.ml.counters.gets - stack.ml.counters.searches).toBe(11);
    expect(stack.ml.counters.creates).toBe(0);
    expect(await state(sku.id)).toMatchObject({ status: 'dead', attempts: 11 });
  });

  it('replays the dead letter once the marketplace has recovered', async () => {
    const sku = stack.vtex.listSkus()[0]!;
    const [result] = await stack.runtime.deadLetters.replay({ store: stack.vtex.account, marketplace: 'mercadolivre' });
    expect(result).toMatchObject({ replayed: 1, skipped: 0 });
    await waitFor(async () => (await state(sku.id))?.status === 'synced', { timeoutMs: 30_000, describe: async () => JSON.stringify(await state(sku.id)) });
    expect(stack.ml.counters.creates).toBe(1);
    expect(stack.ml.getItemBySellerSku(String(sku.id))?.available_quantity).toBe(sku.stock);
    expect(await stack.runtime.deadLetters.list()).toEqual([]);
  });

  it('sends a rejection (4xx) straight to failed with the marketplace message, without retries', async () => {
    const sku = stack.vtex.listSkus()[1]!;
    const writes = () => stack.ml.counters.requests - stack.ml.counters.gets - stack.ml.counters.searches;
    const before = writes();
    stack.ml.faults.failNext(1, 400);
    expect(await stack.vtex.notify(stack.webhook, sku.id, { HasStockKeepingUnitModified: true })).toBe(200);
    await waitFor(async () => (await state(sku.id))?.status === 'failed', { timeoutMs: 30_000 });
    const [row] = await stack.runtime.db.query<{ fixes: Array<{ message: string }> }>(`select fixes from sku_state where store = $1 and sku_id = $2`, [stack.vtex.account, String(sku.id)]);
    expect(row!.fixes[0]!.message).toContain('Injected failure');
    // One attempt: a rejection is final.
    expect(writes()).toBe(before + 1);
    expect(await stack.runtime.deadLetters.list()).toEqual([]);
  });
});
