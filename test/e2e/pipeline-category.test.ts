import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConnectorError } from '@connector/core';
import { notifyAll, startStack, CATEGORY_ID, ML_CATEGORY, type Stack } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

/** Unmapped categories: SKUs wait in pending-category (E4) and a new mapping releases all of them at once. */
describe('category mapping', () => {
  let stack: Stack;
  const UNMAPPED = 55;
  const SKUS = 50;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => stack?.close());

  const rows = (status: string) =>
    stack.runtime.db.query<{ sku_id: string }>(`select sku_id from sku_state where store = $1 and marketplace = 'mercadolivre' and status = $2`, [stack.vtex.account, status]);
  const notifications = async () => (await stack.runtime.db.query<{ n: number }>('select count(*)::int as n from notifications'))[0].n;

  it('seeds the mappings of the config file', async () => {
    expect(await stack.runtime.categoryMappings.list(stack.vtex.account, 'mercadolivre')).toEqual([
      { vtexCategoryId: String(CATEGORY_ID), marketplaceCategoryId: ML_CATEGORY, source: 'config', updatedAt: expect.any(String) },
    ]);
  });

  it(`holds ${SKUS} SKUs of an unmapped category in pending-category, then syncs all of them when the mapping is added — no new notification`, async () => {
    const skus = stack.vtex.seed(SKUS, { categoryId: UNMAPPED, salesChannel: 1 });
    await notifyAll(stack, skus.map((s) => s.id));
    await waitFor(async () => (await rows('pending-category')).length === SKUS, { describe: async () => `${(await rows('pending-category')).length} pending` });
    expect(stack.ml.items.size).toBe(0);
    const e4 = await stack.runtime.db.query<{ n: number }>(`select count(distinct sku_id)::int as n from operation_logs where code = 'E4' and store = $1`, [stack.vtex.account]);
    expect(e4[0].n).toBe(SKUS);

    const before = { notifications: await notifications(), skuReads: stack.vtex.counters.skuReads, simulations: stack.vtex.counters.simulations };
    const { released } = await stack.runtime.categoryMappings.set(stack.vtex.account, 'mercadolivre', String(UNMAPPED), 'MLB5555');
    expect(released).toBe(SKUS);

    await waitFor(async () => (await rows('synced')).length === SKUS, { describe: async () => `${(await rows('synced')).length} synced, ${(await rows('pending-category')).length} pending` });
    expect(stack.ml.items.size).toBe(SKUS);
    for (const sku of skus) expect(stack.ml.getItemBySellerSku(String(sku.id))?.category_id).toBe('MLB5555');
    // Released from the stored snapshots: no notification, no VTEX read.
    expect(await notifications()).toBe(before.notifications);
    expect(stack.vtex.counters.skuReads).toBe(before.skuReads);
    expect(stack.vtex.counters.simulations).toBe(before.simulations);
    const requestIds = await stack.runtime.db.query<{ request_id: string }>(
      `select distinct request_id from operation_logs where code = 'S1' and store = $1 and sku_id = any($2::text[])`,
      [stack.vtex.account, skus.map((s) => String(s.id))],
    );
    expect(requestIds.map((r) => r.request_id)).toEqual([expect.stringMatching(/^category-mapping:/)]);

    expect(await stack.runtime.categoryMappings.list(stack.vtex.account, 'mercadolivre')).toContainEqual(
      expect.objectContaining({ vtexCategoryId: String(UNMAPPED), marketplaceCategoryId: 'MLB5555', source: 'api' }),
    );
    // Setting the same mapping again releases nothing: nobody waits any more.
    expect((await stack.runtime.categoryMappings.set(stack.vtex.account, 'mercadolivre', String(UNMAPPED), 'MLB5555')).released).toBe(0);
  });

  it('keeps runtime mappings when the config is seeded again, and removes them on request', async () => {
    await stack.runtime.categoryMappings.seed();
    const ids = (await stack.runtime.categoryMappings.list(stack.vtex.account, 'mercadolivre')).map((m) => m.vtexCategoryId);
    expect(ids).toEqual([String(UNMAPPED), String(CATEGORY_ID)].sort());
    expect(await stack.runtime.categoryMappings.remove(stack.vtex.account, 'mercadolivre', String(UNMAPPED))).toBe(true);
    expect(await stack.runtime.categoryMappings.remove(stack.vtex.account, 'mercadolivre', String(UNMAPPED))).toBe(false);
  });

  it.each([
    ['store', ['nostore', 'mercadolivre', '1', 'MLB1']],
    ['marketplace', [undefined, 'amazon', '1', 'MLB1']],
    ['vtexCategoryId', [undefined, 'mercadolivre', 'shoes', 'MLB1']],
    ['marketplaceCategoryId', [undefined, 'mercadolivre', '1', '  ']],
  ] as const)('refuses a bad %s, naming it', async (name, [store, marketplace, vtexId, mpId]) => {
    const error = await stack.runtime.categoryMappings.set(store ?? stack.vtex.account, marketplace, vtexId, mpId).catch((e: unknown) => e);
    expect(isConnectorError(error) && error.code).toBe('CONNECTOR_ERR_INVALID_ARGUMENT');
    expect((error as Error).message).toMatch(new RegExp(`^${name}: `));
  });
});
