/**
 * The Dafiti plugin end to end, through the real runtime: fake VTEX → webhook → pipeline → lots → the plugin in
 * its worker → the fake SellerCenter (test/fakes/dafiti), whose feeds go Queued → Processing → Finished on a
 * clock running SCALE times faster than real time. The integration gets the manifest's limits compressed by the
 * same scale (test/support/feeds/dafiti.ts), so every SellerCenter interval and delay keeps its proportion.
 *
 * One stack: a catalogue load first (with a few SKUs Dafiti refuses, in the same feeds as accepted ones), then create (ProductCreate, then ProductUpdate and Image), stock and price
 * updates (a sale started and ended), withdrawal and return, refused SKUs in a lot, a feed ending in Error,
 * 429s waited out, a refused signature pausing the integration until new settings, 5xx retried.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SkuState } from '@connector/core';
import type { CatalogSku, FakeDafiti } from '../fakes/index.js';
import { dafitiScenario as scenario } from '../support/feeds/dafiti.js';
import type { FeedRemoteView } from '../support/feed-scenario.js';
import { notifyOk, stateOf } from '../support/pipeline.js';
import { CATEGORY_ID, notifyAll, startStack, type Stack } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

const MP = 'dafiti';
/** Marketplace ms per real ms: a feed's 90 s take 0.375 s; one product lot and one offer lot every 0.5 s. */
const SCALE = 240;
/** Every REFUSED_EVERY-th SKU of the load has a brand Dafiti's list does not have: refused per item, in the same feeds. */
const REFUSED_EVERY = 100;
const UNKNOWN_BRAND = 'Marca Sem Cadastro';
const LOAD = Number(process.env.CONNECTOR_CONTRACT_SKUS ?? 300);

describe('dafiti: the feed plugin against the fake SellerCenter, through the runtime', () => {
  let stack: Stack;
  let fake: FakeDafiti;
  let settings: Record<string, unknown>;
  let catalog: CatalogSku[] = [];
  let next = 0;
  const account = () => stack.vtex.account;
  const view = (id: number | string) => scenario.view(fake, String(id));
  const state = (id: number | string) => stateOf(stack, id, MP);
  const seed = (n: number, patch: Partial<CatalogSku> = {}) => stack.vtex.seed(n, { categoryId: CATEGORY_ID, salesChannel: 1, make: () => patch });
  const selling = (s: CatalogSku) => s.sellingPrice ?? s.price;
  /** A SKU of the loaded catalogue no other case touched. */
  const fresh = () => {
    const sku = catalog[next++];
    if (!sku) throw new Error(`the contract needs more than ${catalog.length} SKUs`);
    return sku;
  };
  const statusIs = (id: number | string, status: SkuState['status']) =>
    waitFor(async () => ((await state(id))?.status === status ? state(id) : undefined), { timeoutMs: 60_000, describe: async () => JSON.stringify(await state(id)) });
  async function change(sku: CatalogSku, patch: Partial<CatalogSku>, flags: Record<string, boolean>, until: (v: FeedRemoteView | undefined) => boolean) {
    const updated = stack.vtex.updateSku(sku.id, patch);
    await notifyOk(stack, sku.id, flags);
    await waitFor(() => until(view(sku.id)), { timeoutMs: 60_000, describe: () => JSON.stringify(fake.getProduct(String(sku.id))) });
    return updated;
  }
  /** Every lot a SKU was in, oldest first, with its outcome there. */
  const lotsOf = (id: number | string) =>
    stack.runtime.db.query<{ lot: number; operation: string; withdraw: boolean; outcome: string | null; message: string | null; feed_ref: string | null }>(
      `select l.id::int as lot, l.operation, i.withdraw, i.outcome, i.message, l.feed_ref from lot_items i join lots l on l.id = i.lot_id
       where l.store = $1 and l.marketplace = $2 and i.sku_id = $3 order by l.id`,
      [account(), MP, String(id)],
    );
  const feedsWith = (id: number | string) => fake.feeds().filter((f) => f.records.some((r) => String(r.SellerSku) === String(id)));

  beforeAll(async () => {
    fake = await scenario.start(SCALE);
    stack = await startStack({
      configure: (raw) => {
        const integration = scenario.integration(fake, SCALE) as Record<string, any>;
        settings = integration.settings;
        raw.stores[0].integrations = [integration];
        raw.pipeline = { coalesce: { quietMs: 200, maxDelayMs: 2000 } };
      },
      delivery: { retry: { limit: 10, delaySeconds: 1, maxDelaySeconds: 4 }, authProbeSeconds: 3600, feedPollSeconds: 0.1, feedMaxPollSeconds: 0.4 },
      pluginHost: { httpTimeoutMs: 5000 },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await fake?.close();
  });

  it(`${LOAD} SKUs from the fake VTEX: products first, then price, stock and images, every field as VTEX says; refused ones failed with Dafiti's words`, async () => {
    const loaded = stack.vtex.seed(LOAD, { categoryId: CATEGORY_ID, salesChannel: 1, make: (i) => (i % REFUSED_EVERY === REFUSED_EVERY / 2 ? { brandName: UNKNOWN_BRAND } : {}) });
    const refused = loaded.filter((s) => s.brandName === UNKNOWN_BRAND);
    catalog = loaded.filter((s) => s.brandName !== UNKNOWN_BRAND);
    const started = performance.now();
    await notifyAll(stack, loaded.map((s) => s.id));
    const count = async () =>
      Object.fromEntries(
        (await stack.runtime.db.query<{ status: string; n: number }>('select status, count(*)::int as n from sku_state where store = $1 and marketplace = $2 group by status', [account(), MP])).map((r) => [
          r.status,
          r.n,
        ]),
      );
    await waitFor(async () => JSON.stringify(await count()) === JSON.stringify({ failed: refused.length, synced: catalog.length }), {
      timeoutMs: 120_000,
      intervalMs: 250,
      describe: async () => JSON.stringify(await count()),
    });
    console.info(JSON.stringify({ contract: MP, skus: LOAD, scale: SCALE, seconds: Math.round((performance.now() - started) / 100) / 10, database: process.env.DATABASE_URL ? 'postgres' : 'pglite' }));

    for (const sku of catalog) scenario.expectHolds(fake, sku);
    expect(scenario.offersBeforeCatalogued(fake)).toBe(0);
    // Each SKU: created once, by a ProductCreate feed that finished before any ProductUpdate or Image feed carrying it was sent.
    const feeds = fake.feeds();
    const at = (f: (typeof feeds)[number], field: 'CreationDate' | 'UpdatedDate') => Date.parse(`${f[field].replace(' ', 'T')}Z`);
    for (const sku of catalog.slice(0, 50)) {
      const mine = feeds.filter((f) => f.records.some((r) => String(r.SellerSku) === String(sku.id)));
      const creates = mine.filter((f) => f.Action === 'ProductCreate');
      expect(creates, `SKU ${sku.id}`).toHaveLength(1);
      expect(creates[0]!.Status).toBe('Finished');
      for (const f of mine.filter((f) => f.Action !== 'ProductCreate')) expect(at(f, 'CreationDate')).toBeGreaterThanOrEqual(at(creates[0]!, 'UpdatedDate'));
      expect(mine.map((f) => f.Action).sort()).toEqual(['Image', 'ProductCreate', 'ProductUpdate']);
    }
    const [mappings] = await stack.runtime.db.query<{ n: number }>('select count(*)::int as n from id_mappings where store = $1 and marketplace = $2', [account(), MP]);
    expect(mappings!.n).toBe(catalog.length);
    expect(await stack.runtime.deadLetters.list()).toEqual([]);

    // The refused SKUs travelled in ProductCreate feeds with accepted ones: those are synced, these failed with the
    // feed's words for the seller (and the hint where to fix it), no id, nothing on Dafiti, no offer sent.
    expect(refused.length).toBe(LOAD / REFUSED_EVERY);
    for (const bad of refused) {
      const [lot, ...later] = await lotsOf(bad.id);
      expect(lot).toMatchObject({ operation: 'product', outcome: 'rejected' });
      expect(later).toEqual([]);
      const [{ n: accepted }] = await stack.runtime.db.query<{ n: number }>(`select count(*)::int as n from lot_items where lot_id = $1 and outcome = 'accepted'`, [lot!.lot]);
      expect(accepted).toBeGreaterThan(0);
      const failed = await state(bad.id);
      expect(failed).toMatchObject({ status: 'failed', marketplaceId: null });
      const message = failed!.fixes.map((f) => f.message).join(' ');
      expect(message).toMatch(new RegExp(`Dafiti refused the product \\(ProductCreate\\): Field Brand with value '${UNKNOWN_BRAND}' has a problem: This brand does not exist in our database`));
      expect(message).toMatch(/brandMap/);
      expect(view(bad.id)).toBeUndefined();
      expect(feedsWith(bad.id).map((f) => f.Action)).toEqual(['ProductCreate']);
    }
  });

  it('creates a new SKU: a product lot (ProductCreate), then an offer lot (ProductUpdate + Image); the SellerSku is its id', async () => {
    const [sku] = seed(1);
    await notifyOk(stack, sku!.id, { HasStockKeepingUnitModified: true });
    const synced = await statusIs(sku!.id, 'synced');
    expect(synced!.marketplaceId).toBe(String(sku!.id));
    expect(await stack.runtime.state.idMapping(account(), MP, String(sku!.id))).toBe(String(sku!.id));
    scenario.expectHolds(fake, sku!);
    expect((await lotsOf(sku!.id)).map((l) => [l.operation, l.outcome])).toEqual([
      ['product', 'accepted'],
      ['offer', 'accepted'],
    ]);
    expect(feedsWith(sku!.id).map((f) => f.Action)).toEqual(['ProductCreate', 'ProductUpdate', 'Image']);
    expect(scenario.offersBeforeCatalogued(fake)).toBe(0);
  });

  it('adopts a product already on Dafiti, and sends the rest of a feed when SellerCenter refuses one record at once', async () => {
    const [existing, plain, badImage] = seed(3);
    // On Dafiti before the connector (a product created by hand): its ProductCreate is refused as existing.
    // (Its size, Variation, is what a hand-made product has too: the fake's ProductUpdate does not change it.)
    fake.seedProduct({
      SellerSku: String(existing!.id),
      Name: 'Nome antigo',
      Brand: existing!.brandName,
      PrimaryCategory: '1001',
      Price: 1,
      Quantity: 0,
      ...(existing!.specifications?.Tamanho && { Variation: existing!.specifications.Tamanho }),
    });
    // A URL SellerCenter's format check refuses ("Format Error Detected" for the whole Image request).
    stack.vtex.updateSku(badImage!.id, { images: ['https://loja.vteximg.com.br/arquivos/foto 1.jpg'] });
    await notifyAll(stack, [existing!, plain!, badImage!].map((s) => s.id), { HasStockKeepingUnitModified: true }, 3);
    await statusIs(existing!.id, 'synced');
    await statusIs(plain!.id, 'synced');
    const failed = await statusIs(badImage!.id, 'failed');
    scenario.expectHolds(fake, existing!); // adopted, then updated with VTEX's data by the offer lot
    scenario.expectHolds(fake, plain!);
    const [created, offered] = await lotsOf(existing!.id);
    expect(created).toMatchObject({ operation: 'product', outcome: 'accepted' });
    expect(feedsWith(existing!.id).find((f) => f.Action === 'ProductCreate')!.FeedErrors.map((e) => e.Message).join(' ')).toMatch(/already exists/);
    // One offer lot for the three: its Image feed went without the refused record, whose SKU failed with the reason.
    const [, badOffer] = await lotsOf(badImage!.id);
    expect(badOffer).toMatchObject({ lot: offered!.lot, operation: 'offer', outcome: 'rejected' });
    expect(failed!.fixes.map((f) => f.message).join(' ')).toMatch(/Dafiti refused the images \(Image\): Image "https:\/\/loja\.vteximg\.com\.br\/arquivos\/foto 1\.jpg": Field must contain an http\(s\) URL — Check the SKU's images in VTEX/);
    const images = feedsWith(plain!.id).filter((f) => f.Action === 'Image');
    expect(images).toHaveLength(1);
    expect(images[0]!.records.map((r) => String(r.SellerSku)).sort()).toEqual([existing!, plain!].map((s) => String(s.id)).sort());
    expect(fake.getProduct(String(badImage!.id))!.Images).toEqual([]);
  });

  it('updates the stock with a ProductUpdate (no new product)', async () => {
    const sku = fresh();
    const creates = fake.feeds().filter((f) => f.Action === 'ProductCreate').length;
    await change(sku, { stock: sku.stock + 7 }, { StockModified: true }, (v) => v?.stock === sku.stock + 7);
    await statusIs(sku.id, 'synced');
    expect(view(sku.id)).toMatchObject({ stock: sku.stock + 7, price: selling(sku), active: true });
    expect(fake.feeds().filter((f) => f.Action === 'ProductCreate')).toHaveLength(creates);
  });

  it('updates the price; a selling price below the list price starts a sale, and the list price back down ends it', async () => {
    const sku = catalog.slice(next).find((s) => s.listPrice === selling(s))!;
    catalog.splice(catalog.indexOf(sku), 1);
    const price = selling(sku) + 1_250;
    await change(sku, { price, sellingPrice: price, listPrice: price }, { PriceModified: true }, (v) => v?.price === price);
    await statusIs(sku.id, 'synced');
    expect(fake.getProduct(String(sku.id))).toMatchObject({ Price: price / 100 });

    const list = price + 3_000;
    await change(sku, { listPrice: list }, { PriceModified: true }, () => fake.getProduct(String(sku.id))?.Price === list / 100);
    await statusIs(sku.id, 'synced');
    expect(fake.getProduct(String(sku.id))).toMatchObject({ Price: list / 100, SalePrice: price / 100 });
    expect(view(sku.id)?.price).toBe(price);

    await change(sku, { listPrice: price }, { PriceModified: true }, () => fake.getProduct(String(sku.id))?.Price === price / 100);
    await statusIs(sku.id, 'synced');
    expect(view(sku.id)?.price).toBe(price); // the sale ended: SalePrice is no longer what a buyer pays
    expect(Date.parse(fake.getProduct(String(sku.id))!.SaleEndDate!)).toBeLessThanOrEqual(fake.clock.now());
  });

  it('takes a SKU VTEX no longer sells off sale (inactive, 0) in an offer lot, and puts it back on sale', async () => {
    const sku = fresh();
    await change(sku, { isActive: false }, { IsActive: false }, (v) => v?.active === false && v.stock === 0);
    await statusIs(sku.id, 'blocked');
    const withdrawal = (await lotsOf(sku.id)).at(-1)!;
    expect(withdrawal).toMatchObject({ operation: 'offer', withdraw: true, outcome: 'accepted' });
    expect(fake.getProduct(String(sku.id))).toMatchObject({ Status: 'inactive', Quantity: 0 });

    await change(sku, { isActive: true }, { IsActive: true, HasStockKeepingUnitModified: true }, (v) => v?.active === true && v.stock === sku.stock);
    await statusIs(sku.id, 'synced');
    expect(await stack.runtime.state.idMapping(account(), MP, String(sku.id))).toBe(String(sku.id));
    expect(feedsWith(sku.id).filter((f) => f.Action === 'ProductCreate')).toHaveLength(1);
  });

  it('a feed SellerCenter ends in Error fails every SKU in it with its message; the next change goes through', async () => {
    const sku = fresh();
    fake.failNextFeeds(1);
    stack.vtex.updateSku(sku.id, { stock: sku.stock + 2 });
    await notifyOk(stack, sku.id, { StockModified: true });
    const failed = await statusIs(sku.id, 'failed');
    expect(failed!.fixes.map((f) => f.message).join(' ')).toMatch(/Dafiti could not process the price, stock and details \(ProductUpdate\) feed .* \(status Error\): E006/);
    await change(sku, { stock: sku.stock + 4 }, { StockModified: true }, (v) => v?.stock === sku.stock + 4);
    await statusIs(sku.id, 'synced');
  });

  it('waits out throttling (429 with Retry-After) and delivers, nothing failed', async () => {
    const sku = fresh();
    const throttled = fake.counters.throttled;
    fake.faults.rateLimitNext(2, 1);
    await change(sku, { stock: sku.stock + 3 }, { StockModified: true }, (v) => v?.stock === sku.stock + 3);
    await statusIs(sku.id, 'synced');
    expect(fake.counters.throttled).toBe(throttled + 2);
    expect(await stack.runtime.deadLetters.list()).toEqual([]);
  });

  it('retries 5xx answers, then delivers (nothing dead-lettered)', async () => {
    const sku = fresh();
    fake.faults.failNext(1, 503);
    await change(sku, { stock: sku.stock + 11 }, { StockModified: true }, (v) => v?.stock === sku.stock + 11);
    await statusIs(sku.id, 'synced');
    expect(await stack.runtime.deadLetters.list()).toEqual([]);
  });

  it('a refused signature (wrong API key) pauses the integration with the reason, keeps the work, and new settings resume it', async () => {
    const [a, b] = [fresh(), fresh()];
    const refused = fake.counters.rejectedAuth;
    await stack.runtime.updateIntegrationSettings(account(), MP, { ...settings, apiKey: `${String(settings.apiKey)}-revoked` });
    const price = selling(a) + 400;
    stack.vtex.updateSku(a.id, { price, sellingPrice: price, listPrice: Math.max(a.listPrice, price) });
    await notifyOk(stack, a.id, { PriceModified: true });
    const pause = async () => (await stack.runtime.contingency.status(account(), MP))[0];
    await waitFor(async () => (await pause())?.paused === true, { timeoutMs: 60_000 });
    expect((await pause())!.reason).toMatch(/refused our credentials.*E007: Login failed\. Signature mismatching.*Update the integration's settings/);
    expect(fake.counters.rejectedAuth).toBeGreaterThan(refused);
    // Work that arrives while paused waits too.
    stack.vtex.updateSku(b.id, { stock: b.stock + 5 });
    await notifyOk(stack, b.id, { StockModified: true });
    await waitFor(async () => (await state(b.id))?.status === 'pending');
    expect(view(a.id)?.price).toBe(selling(a));

    await stack.runtime.updateIntegrationSettings(account(), MP, settings);
    await waitFor(() => view(a.id)?.price === price && view(b.id)?.stock === b.stock + 5, { timeoutMs: 60_000, describe: () => `${JSON.stringify(view(a.id))} ${JSON.stringify(view(b.id))}` });
    await statusIs(a.id, 'synced');
    await statusIs(b.id, 'synced');
    expect((await pause())!.paused).toBe(false);
  });

  it('reads price and stock back (GetProducts): a stock changed on Dafiti is found as drift and repaired', async () => {
    const sku = fresh();
    const product = fake.getProduct(String(sku.id))!;
    fake.seedProduct({ ...product, Quantity: sku.stock + 500 });
    const run = await stack.runtime.reconciler.runOnce(account(), MP, { scope: 'full' });
    expect(run.status).toBe('done');
    const drifts = await stack.runtime.reconciler.drifts({ runId: run.id });
    expect(drifts.map((d) => d.skuId)).toEqual([String(sku.id)]);
    expect(drifts[0]).toMatchObject({ kind: 'marketplace', fields: { Quantity: { expected: sku.stock, actual: sku.stock + 500 } } });
    await waitFor(() => view(sku.id)?.stock === sku.stock, { timeoutMs: 60_000, describe: () => JSON.stringify(view(sku.id)) });
  });
});
