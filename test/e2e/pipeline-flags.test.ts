import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SkuStatus } from '@connector/core';
import { FakeMercadoLivre, type CatalogSku, type FakeMlItem, type NotificationFlags } from '../fakes/index.js';
import { fetchLogs, lastLogId, notifyOk, skuLogs, stateOf, today, waitForLog } from '../support/pipeline.js';
import { CATEGORY_ID, ML_CATEGORY, startStack, WEBHOOK_TOKEN, type Stack } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

/**
 * Every flag combination and outcome code, end to end: a notification posted to the webhook →
 * the state row, the operation log message served at /{account}/logs/ and what the fake Mercado
 * Livre holds. Each case seeds its own SKU in the fake VTEX.
 */
interface Case {
  name: string;
  /** The SKU as VTEX first has it. */
  sku?: Partial<CatalogSku>;
  /** Publish it first (HasStockKeepingUnitModified → S1). */
  published?: boolean;
  /** More history before the change under test. */
  before?: (stack: Stack, sku: CatalogSku) => Promise<void>;
  /** What changes in VTEX before the notification under test. */
  change?: Partial<CatalogSku> | 'remove';
  /** Marketplace faults for the delivery under test. */
  fault?: (stack: Stack) => void;
  flags: Partial<NotificationFlags>;
  code: 'S1' | 'A1' | 'A2' | 'A3' | 'E1' | 'E2' | 'E3' | 'E4';
  /** Other codes the same notification logs. */
  also?: string[];
  logStatus: 'Success' | 'Alert' | 'Error' | 'Pending';
  operation: string;
  status: SkuStatus;
  fixes: Array<{ field: string; rule: string }>;
  /** Whether the notification made the connector re-read the SKU in VTEX's catalog (false: simulation only). */
  catalogRead?: boolean;
  message?: RegExp;
  item: (item: FakeMlItem | undefined, sku: CatalogSku) => void;
}

const price = (s: CatalogSku) => (s.sellingPrice ?? s.price) / 100;
const nameOf = (s: CatalogSku) => (s.skuName === s.productName ? s.productName : `${s.productName} ${s.skuName}`);

const CASES: Case[] = [
  {
    name: 'HasStockKeepingUnitModified on a new SKU → S1, the item is created',
    flags: { HasStockKeepingUnitModified: true },
    code: 'S1',
    logStatus: 'Success',
    operation: 'Offer creation',
    status: 'synced',
    fixes: [],
    catalogRead: true,
    message: /created on mercadolivre as MLB\d+/,
    item: (item, sku) => {
      expect(item).toMatchObject({ title: nameOf(sku), price: price(sku), available_quantity: sku.stock, category_id: ML_CATEGORY, status: 'active', currency_id: 'BRL' });
      expect(item!.attributes).toEqual(expect.arrayContaining([{ id: 'BRAND', value_id: null, value_name: sku.brandName }, { id: 'GTIN', value_id: null, value_name: sku.ean }]));
      expect(item!.pictures.map((p) => p.url)).toEqual(sku.images);
    },
  },
  {
    name: 'HasStockKeepingUnitModified on a published SKU → S1, the new title is sent',
    published: true,
    change: { skuName: 'Edição Limitada' },
    flags: { HasStockKeepingUnitModified: true },
    code: 'S1',
    logStatus: 'Success',
    operation: 'Offer update',
    status: 'synced',
    fixes: [],
    catalogRead: true,
    message: /updated on mercadolivre \(MLB\d+\): title\./,
    item: (item) => expect(item!.title).toMatch(/Edição Limitada$/),
  },
  {
    name: 'StockModified → only the simulation is re-read; S1, the stock is updated',
    published: true,
    change: { stock: 77 },
    flags: { StockModified: true },
    code: 'S1',
    logStatus: 'Success',
    operation: 'Offer update',
    status: 'synced',
    fixes: [],
    catalogRead: false,
    message: /available_quantity\./,
    item: (item) => expect(item!.available_quantity).toBe(77),
  },
  {
    name: 'PriceModified → only the simulation is re-read; S1, the price is updated',
    published: true,
    change: { price: 12_345, sellingPrice: 12_345 },
    flags: { PriceModified: true },
    code: 'S1',
    logStatus: 'Success',
    operation: 'Offer update',
    status: 'synced',
    fixes: [],
    catalogRead: false,
    item: (item) => expect(item!.price).toBe(123.45),
  },
  {
    name: 'IsActive=false on a published SKU → A2 then S1: stock 0 and the item blocked',
    published: true,
    change: { isActive: false },
    flags: { IsActive: false },
    code: 'S1',
    also: ['A2'],
    logStatus: 'Success',
    operation: 'Offer deactivation',
    status: 'blocked',
    fixes: [{ field: 'IsActive', rule: 'active' }],
    catalogRead: true,
    message: /stock set to 0 and MLB\d+ blocked/,
    item: (item) => expect(item).toMatchObject({ status: 'paused', available_quantity: 0 }),
  },
  {
    name: 'HasStockKeepingUnitRemovedFromAffiliate on a published SKU → S1: stock 0 and the item blocked',
    published: true,
    change: { salesChannels: [2] },
    flags: { HasStockKeepingUnitRemovedFromAffiliate: true },
    code: 'S1',
    also: ['A2'],
    logStatus: 'Success',
    operation: 'Offer deactivation',
    status: 'blocked',
    fixes: [{ field: 'SalesChannels', rule: 'trade-policy' }],
    catalogRead: true,
    item: (item) => expect(item).toMatchObject({ status: 'paused', available_quantity: 0 }),
  },
  {
    name: 'a published SKU VTEX no longer knows → S1: stock 0 and the item blocked',
    published: true,
    change: 'remove',
    flags: { IsActive: false },
    code: 'S1',
    also: ['A2'],
    logStatus: 'Success',
    operation: 'Offer deactivation',
    status: 'blocked',
    fixes: [{ field: 'IdSku', rule: 'exists' }],
    item: (item) => expect(item).toMatchObject({ status: 'paused', available_quantity: 0 }),
  },
  {
    name: 'a blocked SKU back on sale (IsActive + HasStockKeepingUnitModified) → S1: the item is active again',
    published: true,
    before: async (stack, sku) => {
      stack.vtex.updateSku(sku.id, { isActive: false });
      const after = await lastLogId(stack);
      await notifyOk(stack, sku.id, { IsActive: false });
      await waitForLog(stack, sku.id, 'S1', after);
    },
    change: { isActive: true, stock: 31 },
    flags: { IsActive: true, HasStockKeepingUnitModified: true },
    code: 'S1',
    logStatus: 'Success',
    operation: 'Offer update',
    status: 'synced',
    fixes: [],
    message: /back on sale/,
    item: (item) => expect(item).toMatchObject({ status: 'active', available_quantity: 31 }),
  },
  {
    name: 'a published SKU dropped from the simulation → A1 then S1: blocked rather than sold at a stale price',
    published: true,
    change: { inSimulation: false },
    flags: { PriceModified: true },
    code: 'S1',
    also: ['A1'],
    logStatus: 'Success',
    operation: 'Offer deactivation',
    status: 'blocked',
    fixes: [{ field: 'Simulation', rule: 'simulation' }],
    catalogRead: false,
    item: (item) => expect(item).toMatchObject({ status: 'paused', available_quantity: 0 }),
  },
  {
    name: 'IsActive=false on a SKU never published → A2: it waits with its fix, nothing is sent',
    sku: { isActive: false },
    flags: { IsActive: false },
    code: 'A2',
    logStatus: 'Alert',
    operation: 'Offer creation',
    status: 'invalid',
    fixes: [{ field: 'IsActive', rule: 'active' }],
    message: /Nothing sent to Mercado Livre\. 1\) SKU \d+ is inactive in VTEX/,
    item: (item) => expect(item).toBeUndefined(),
  },
  {
    name: 'a SKU missing from the simulation → A1: nothing is sent',
    sku: { inSimulation: false },
    flags: { HasStockKeepingUnitModified: true },
    code: 'A1',
    logStatus: 'Alert',
    operation: 'Offer creation',
    status: 'invalid',
    fixes: [{ field: 'Simulation', rule: 'simulation' }],
    item: (item) => expect(item).toBeUndefined(),
  },
  {
    name: 'an empty brand → A3 (default used, "total reader") and S1',
    sku: { brandName: '' },
    flags: { HasStockKeepingUnitModified: true },
    code: 'S1',
    also: ['A3'],
    logStatus: 'Success',
    operation: 'Offer creation',
    status: 'synced',
    fixes: [],
    item: (item) => expect(item!.attributes).toContainEqual({ id: 'BRAND', value_id: null, value_name: 'Genérica' }),
  },
  {
    name: 'five problems → E1 listing all five fixes, nothing sent',
    sku: { productName: '', skuName: '', images: [], ean: '123', brandName: 'B'.repeat(300), price: 0, sellingPrice: 0 },
    flags: { HasStockKeepingUnitModified: true },
    code: 'E1',
    logStatus: 'Error',
    operation: 'Offer creation',
    status: 'invalid',
    fixes: [
      { field: 'Price', rule: 'price-configured' },
      { field: 'title', rule: 'mandatory' },
      { field: 'pictures', rule: 'mandatory' },
      { field: 'attributes.GTIN', rule: 'ean' },
      { field: 'attributes.BRAND', rule: 'maxLength' },
    ],
    message: /^5 problems to fix before SKU \d+ can be sent to Mercado Livre: 1\) .+ 2\) .+ 3\) .+ 4\) .+ 5\) /,
    item: (item) => expect(item).toBeUndefined(),
  },
  {
    name: 'a published SKU whose catalog data now breaks a rule → E1, and its stock keeps flowing',
    published: true,
    change: { ean: '7891234567894', stock: 55 },
    flags: { HasStockKeepingUnitModified: true, StockModified: true },
    code: 'E1',
    also: ['S1'],
    logStatus: 'Error',
    operation: 'Offer update',
    status: 'synced',
    fixes: [{ field: 'attributes.GTIN', rule: 'ean' }],
    message: /^1 problem to fix before the catalog changes of SKU \d+ reach Mercado Livre; its price and stock are still sent\. 1\) The SKU's EAN is not a valid EAN-8/,
    item: (item) => {
      expect(item!.available_quantity).toBe(55);
      expect(item!.attributes.find((a) => a.id === 'GTIN')?.value_name).not.toBe('7891234567894');
    },
  },
  {
    name: 'an unmapped category → E4: pending-category, nothing sent',
    sku: { categoryId: 99 },
    flags: { HasStockKeepingUnitModified: true },
    code: 'E4',
    logStatus: 'Error',
    operation: 'Offer creation',
    status: 'pending-category',
    fixes: [{ field: 'Category', rule: 'category-mapping' }],
    message: /VTEX category 99 is not mapped/,
    item: (item) => expect(item).toBeUndefined(),
  },
  {
    name: 'the marketplace refuses the data → E3: failed, with its message as the fix',
    fault: (stack) => stack.ml.faults.failNext(1, 400),
    flags: { HasStockKeepingUnitModified: true },
    code: 'E3',
    logStatus: 'Error',
    operation: 'Offer creation',
    status: 'failed',
    fixes: [{ field: 'mercadolivre', rule: 'marketplace-validation' }],
    message: /^SKU \d+: mercadolivre rejected the data: Injected failure\. Correct it in VTEX/,
    item: (item) => expect(item).toBeUndefined(),
  },
  {
    name: 'the marketplace is unavailable → E2, Pending while retries remain',
    fault: (stack) => stack.ml.faults.failNext(1, 503),
    flags: { HasStockKeepingUnitModified: true },
    code: 'E2',
    logStatus: 'Pending',
    operation: 'Offer creation',
    status: 'pending',
    fixes: [],
    message: /^SKU \d+: mercadolivre is unavailable: HTTP 503 .*; retrying with backoff/,
    item: () => undefined,
  },
];

describe('pipeline semantics, per flag combination and outcome code: webhook → state row, log message, marketplace', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ configure: (raw) => (raw.pipeline = { coalesce: { quietMs: 200, maxDelayMs: 5000 } }) });
  });
  afterAll(async () => stack?.close());

  const itemOf = (id: number) => stack.ml.getItemBySellerSku(String(id));
  // SKU ids are never reused (a case removes its SKU from VTEX; the next must not inherit its history).
  let nextId = 1000;
  const seedOne = (make: Partial<CatalogSku> = {}) => stack.vtex.seed(1, { startId: nextId++, categoryId: CATEGORY_ID, salesChannel: 1, make: () => make })[0];

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const sku = seedOne(c.sku);
    if (c.published) {
      await notifyOk(stack, sku.id, { HasStockKeepingUnitModified: true });
      await waitForLog(stack, sku.id, 'S1');
      expect(itemOf(sku.id)).toBeDefined();
    }
    await c.before?.(stack, sku);
    if (c.change === 'remove') stack.vtex.removeSku(sku.id);
    else if (c.change) stack.vtex.updateSku(sku.id, c.change);
    const current = stack.vtex.getSku(sku.id) ?? sku;
    const after = await lastLogId(stack);
    const readsBefore = stack.vtex.counters.perSkuReads.get(sku.id) ?? 0;
    c.fault?.(stack);

    await notifyOk(stack, sku.id, c.flags);

    const message = await waitForLog(stack, sku.id, c.code, after);
    for (const code of c.also ?? []) await waitForLog(stack, sku.id, code, after);
    expect(message).toMatchObject({ Status: c.logStatus, Operation: c.operation, Direction: 'VTEX to mercadolivre', IdSku: String(sku.id), Marketplace: 'mercadolivre' });
    if (c.message) expect(message.BusinessMessage).toMatch(c.message);
    expect(JSON.parse(message.ContentSource || 'null')).toMatchObject({ IdSku: String(sku.id) });

    const state = await waitFor(async () => {
      const s = await stateOf(stack, sku.id);
      return s?.status === c.status ? s : undefined;
    });
    expect(state.fixes.map((f) => ({ field: f.field, rule: f.rule }))).toEqual(c.fixes);
    for (const fix of state.fixes) expect(fix.message.length).toBeGreaterThan(20);
    if (c.status === 'synced' || c.status === 'blocked') {
      const item = itemOf(sku.id);
      expect(state.marketplaceId).toBe(item!.id);
    }
    c.item(itemOf(sku.id), current);
    if (c.catalogRead !== undefined) expect((stack.vtex.counters.perSkuReads.get(sku.id) ?? 0) - readsBefore).toBe(c.catalogRead ? 1 : 0);
    if (c.code === 'E1') {
      // One SKU, five fixes: one state row and one E1 message naming them all.
      const e1 = (await skuLogs(stack, sku.id)).filter((m) => m.Code === 'E1');
      expect(e1).toHaveLength(1);
      for (const fix of state.fixes) expect(e1[0].BusinessMessage).toContain(fix.message);
    }
  });

  it('sends nothing again for a notification whose data did not change (stored hash), and logs nothing', async () => {
    const sku = seedOne();
    await notifyOk(stack, sku.id, { HasStockKeepingUnitModified: true });
    await waitForLog(stack, sku.id, 'S1');
    // Per SKU: another case's delivery may still be retrying in the background.
    const item = structuredClone(itemOf(sku.id)!);
    const logs = (await skuLogs(stack, sku.id)).length;
    const reads = stack.vtex.counters.perSkuReads.get(sku.id);
    await notifyOk(stack, sku.id, { HasStockKeepingUnitModified: true });
    // The notification has been consumed once VTEX was read again for it.
    await waitFor(() => stack.vtex.counters.perSkuReads.get(sku.id) === reads! + 1);
    await waitFor(async () => {
      const [row] = await stack.runtime.db.query<{ n: number }>('select count(*)::int as n from notifications where sku_id = $1 and refreshed_at is null', [String(sku.id)]);
      return row.n === 0;
    });
    const jobs = await stack.runtime.boss.findJobs(`marketplace-sync.${stack.vtex.account}.mercadolivre`, { key: String(sku.id) });
    await waitFor(async () => (await stack.runtime.boss.findJobs(`marketplace-sync.${stack.vtex.account}.mercadolivre`, { key: String(sku.id) })).every((j) => j.state === 'completed'));
    expect(jobs.length).toBeGreaterThanOrEqual(2);
    expect(itemOf(sku.id)).toEqual(item);
    expect(await skuLogs(stack, sku.id)).toHaveLength(logs);
    const deliveries = await stack.runtime.boss.findJobs(`delivery.${stack.vtex.account}.mercadolivre`, { key: String(sku.id) });
    expect(deliveries).toHaveLength(1);
  });

  it('logs and drops a notification for a store it does not serve (An)', async () => {
    const before = await lastLogId(stack);
    await stack.runtime.inbox.accept({ account: 'ghoststore', skuId: '321', isActive: true }, 'req-ghost');
    const { messages } = await waitFor(async () => {
      const page = await stack.runtime.operationLog.query({ store: 'ghoststore', date: today() });
      return page.messages.some((m) => Number(m.id) > before) ? page : undefined;
    });
    expect(messages.at(-1)).toMatchObject({ Status: 'Error', Operation: 'Notification', IdSku: '321', RequestId: 'req-ghost', BusinessMessage: expect.stringContaining('"ghoststore" (An) is not a store') });
    const [row] = await stack.runtime.db.query<{ dispatched: boolean }>(`select dispatched_at is not null as dispatched from notifications where request_id = 'req-ghost'`);
    expect(row.dispatched).toBe(true);
    expect(await stack.runtime.boss.getQueue('sku-refresh.ghoststore')).toBeNull();
  });

  describe('GET /{account}/logs/', () => {
    it('answers in VTEX’s format, filtered by day and status', async () => {
      const all = await fetchLogs(stack, { status: 'all' });
      expect(all.status).toBe(200);
      expect(Object.keys(all.body)).toEqual(['Messages', 'Paging']);
      const first = all.body.Messages[0];
      for (const key of ['id', 'Operation', 'Direction', 'ContentSource', 'ContentTransalted', 'ContentDestination', 'BusinessMessage', 'Status']) {
        expect(typeof (first as unknown as Record<string, unknown>)[key], key).toBe('string');
      }
      const statuses = new Set(all.body.Messages.map((m) => m.Status));
      expect([...statuses].sort()).toEqual(['Alert', 'Error', 'Pending', 'Success']);

      // VTEX's own example spells it "sucess".
      const some = await fetchLogs(stack, { status: 'sucess,Error' });
      expect(new Set(some.body.Messages.map((m) => m.Status))).toEqual(new Set(['Success', 'Error']));
      // (A delivery still retrying in the background may add messages after the first call.)
      const seen = Number(all.body.Messages.at(-1)!.id);
      expect(some.body.Messages.filter((m) => Number(m.id) <= seen).map((m) => m.id)).toEqual(
        all.body.Messages.filter((m) => m.Status === 'Success' || m.Status === 'Error').map((m) => m.id),
      );

      const e1 = await fetchLogs(stack, { code: 'e1' });
      expect(e1.body.Messages.length).toBe(all.body.Messages.filter((m) => m.Code === 'E1').length);
      expect(new Set(e1.body.Messages.map((m) => m.Code))).toEqual(new Set(['E1']));

      const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
      expect((await fetchLogs(stack, { DateAt: yesterday })).body.Messages).toEqual([]);

      const paged = await fetchLogs(stack, { pageSize: '2', page: '2' });
      expect(paged.body.Messages.map((m) => m.id)).toEqual(all.body.Messages.slice(2, 4).map((m) => m.id));
      expect(paged.body.Paging).toEqual({ page: 2, pageSize: 2, hasMore: true });
    });

    it('needs the store’s token, and names the parameter that is wrong', async () => {
      const noToken = await stack.app.inject({ method: 'GET', url: `/${stack.vtex.account}/logs/?DateAt=${today()}` });
      expect(noToken.statusCode).toBe(401);
      expect(noToken.json().code).toBe('CONNECTOR_ERR_UNAUTHORIZED');
      const otherStore = await stack.app.inject({ method: 'GET', url: `/ghoststore/logs/?DateAt=${today()}&token=${WEBHOOK_TOKEN}` });
      expect(otherStore.statusCode).toBe(401);
      for (const [params, name] of [
        [{ DateAt: '' }, 'DateAt'],
        [{ DateAt: '31/12/2024' }, 'DateAt'],
        [{ status: 'done' }, 'status'],
        [{ code: 'X9' }, 'code'],
        [{ tz: 'Mars/Olympus' }, 'tz'],
        [{ pageSize: '5000' }, 'pageSize'],
      ] as const) {
        const res = await fetchLogs(stack, params);
        expect(res.status, name).toBe(400);
        expect(res.body).toMatchObject({ code: 'CONNECTOR_ERR_INVALID_ARGUMENT', message: expect.stringMatching(new RegExp(`^${name}: `)) });
      }
    });
  });

  it('purges logs past the retention on a daily pg-boss schedule', async () => {
    const kept = await lastLogId(stack);
    const [{ id: oldId }] = await stack.runtime.db.query<{ id: number }>(
      `insert into operation_logs (store, code, status, operation, direction, business_message, created_at)
       values ($1, 'S1', 'Success', 'Offer creation', 'VTEX to mercadolivre', 'old', now() - interval '31 days') returning id::int`,
      [stack.vtex.account],
    );
    expect(stack.runtime.logRetention.days).toBe(30);
    expect(await stack.runtime.logRetention.runOnce()).toBe(1);
    const ids = (await stack.runtime.db.query<{ id: number }>('select id::int from operation_logs where id = any($1::bigint[])', [[oldId, kept]])).map((r) => r.id);
    expect(ids).toEqual([kept]);
    const [schedule] = await stack.runtime.boss.getSchedules('oplog-retention');
    expect(schedule).toMatchObject({ name: 'oplog-retention', cron: '17 3 * * *' });
  });
});

describe('where the marketplace cannot deactivate: delete the item and its id mapping', () => {
  let stack: Stack;
  let classic: FakeMercadoLivre;
  const MP = 'mercadolivre-classic';

  beforeAll(async () => {
    classic = await FakeMercadoLivre.start();
    stack = await startStack({
      configure: (raw) => {
        raw.pipeline = { coalesce: { quietMs: 200, maxDelayMs: 5000 } };
        raw.plugins = { paths: [new URL('../fixtures/plugins', import.meta.url).pathname] };
        raw.stores[0].integrations.push({
          marketplace: MP,
          categoryMappings: { [String(CATEGORY_ID)]: 'MLB2000' },
          settings: { accessToken: classic.issueAccessToken(), apiBaseUrl: classic.url },
        });
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await classic?.close();
  });

  it('IsActive=false → the item is closed and deleted, the mapping dropped; back on sale → published anew', async () => {
    const [sku] = stack.vtex.seed(1, { categoryId: CATEGORY_ID, salesChannel: 1 });
    await notifyOk(stack, sku.id, { HasStockKeepingUnitModified: true });
    await waitForLog(stack, sku.id, 'S1', 0, MP);
    const first = classic.getItemBySellerSku(String(sku.id))!;
    expect(first).toMatchObject({ listing_type_id: 'free', status: 'active', pictures: [expect.objectContaining({ url: sku.images[0] })] });
    expect(await stack.runtime.state.idMapping(stack.vtex.account, MP, String(sku.id))).toBe(first.id);
    // The other integration of the store got the same SKU, with its own mapping table.
    await waitForLog(stack, sku.id, 'S1');

    stack.vtex.updateSku(sku.id, { isActive: false });
    const after = await lastLogId(stack);
    await notifyOk(stack, sku.id, { IsActive: false });
    const deleted = await waitForLog(stack, sku.id, 'S1', after, MP);
    expect(deleted).toMatchObject({ Operation: 'Offer deletion', BusinessMessage: expect.stringContaining('deleted and its id mapping removed') });
    expect(classic.items.get(first.id)).toMatchObject({ status: 'closed', sub_status: ['deleted'] });
    expect(await stack.runtime.state.idMapping(stack.vtex.account, MP, String(sku.id))).toBeUndefined();
    const blocked = await stateOf(stack, sku.id, MP);
    expect(blocked).toMatchObject({ status: 'blocked', marketplaceId: null, fixes: [expect.objectContaining({ field: 'IsActive' })] });
    // Mercado Livre proper (canDeactivate) paused its item instead.
    await waitForLog(stack, sku.id, 'S1', after);
    expect(stack.ml.getItemBySellerSku(String(sku.id))).toMatchObject({ status: 'paused', available_quantity: 0 });

    // A repeated notification changes nothing.
    const calls = classic.counters.requests;
    await notifyOk(stack, sku.id, { IsActive: false });
    await waitFor(async () => {
      const [row] = await stack.runtime.db.query<{ n: number }>('select count(*)::int as n from notifications where sku_id = $1 and refreshed_at is null', [String(sku.id)]);
      return row.n === 0;
    });
    await waitFor(async () => (await stack.runtime.boss.findJobs(`marketplace-sync.${stack.vtex.account}.${MP}`, { key: String(sku.id) })).every((j) => j.state === 'completed'));
    expect(classic.counters.requests).toBe(calls);
    expect((await stateOf(stack, sku.id, MP))!.status).toBe('blocked');

    stack.vtex.updateSku(sku.id, { isActive: true });
    const again = await lastLogId(stack);
    await notifyOk(stack, sku.id, { IsActive: true, HasStockKeepingUnitModified: true });
    const republished = await waitForLog(stack, sku.id, 'S1', again, MP);
    expect(republished.Operation).toBe('Offer creation');
    // The deleted item stays in the fake as closed: look for the new, active one.
    const active = [...classic.items.values()].filter((i) => i.status === 'active' && i.attributes.some((a) => a.id === 'SELLER_SKU' && a.value_name === String(sku.id)));
    expect(active).toHaveLength(1);
    expect(active[0].id).not.toBe(first.id);
    expect(await stack.runtime.state.idMapping(stack.vtex.account, MP, String(sku.id))).toBe(active[0].id);
  });
});
