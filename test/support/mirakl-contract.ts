/**
 * The Mirakl marketplaces (Carrefour, Centauro): the FeedScenario adapter the feed harnesses use
 * (`miraklScenario`, one per marketplace in test/support/feeds/<id>.ts) and the contract every Mirakl plugin is
 * held to (`miraklContract`), run end to end against the fake Mirakl — fake VTEX → webhook → pipeline → the
 * plugin in its extension host → FakeMirakl — on a scaled clock (`SCALE` marketplace ms per real ms) with the
 * manifest's limits scaled alike, so "one product import every 15 minutes" is 1.5 s of real time at 600 ×.
 *
 * Honest behaviour chosen for frozen product data: once a product is catalogued, the core sends that SKU only in
 * offer lots, so a change to its product data in VTEX is not re-sent as a product (Mirakl would refuse it): the
 * offer still goes, the catalogued product is left as it is, and the fake sees no frozen-product update.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SkuState } from '@connector/core';
import { FakeMirakl, type CatalogSku } from '../fakes/index.js';
import { manifestLimits, scaledFeedPolling, scaledLimits } from './feed-load.js';
import type { FeedRemoteView, FeedScenario, FeedSubmission } from './feed-scenario.js';
import { notifyOk, stateOf } from './pipeline.js';
import { CATEGORY_ID, notifyAll, startStack, type Stack } from './stack.js';
import { waitFor } from './wait.js';

/** Mirakl's documented import frequencies (marketplace ms): products every 15 minutes, offers once a minute. */
const PRODUCT_EVERY_MS = 15 * 60_000;
const OFFER_EVERY_MS = 60_000;
/** The fake's default processing (test/fakes/mirakl README): every import waits 10 s; products run 20 s then stay SENT
 * to the operator 270 s; offers run 50 s. */
const PRODUCT_PROCESSING_MS = 10_000 + 20_000 + 270_000;
const OFFER_PROCESSING_MS = 10_000 + 50_000;
/** The fake numbers its imports (products and offers alike) from 2301 on. */
const FIRST_IMPORT_ID = 2301;

export const miraklCategory = (marketplace: string) => `${marketplace}-calcados-corrida`;

const nameComplete = (sku: CatalogSku) => (sku.skuName === sku.productName ? sku.productName : `${sku.productName} ${sku.skuName}`);

/** Every import the fake accepted, oldest first (imports refused with a 429 or a 4xx never got an id). */
function imports(fake: FakeMirakl) {
  const total = fake.counters.productImports + fake.counters.offerImports + fake.counters.offerUpdates;
  const out = [];
  for (let id = FIRST_IMPORT_ID; id < FIRST_IMPORT_ID + total; id++) {
    const imp = fake.getImport(id);
    if (!imp) throw new Error(`the fake has no import ${id} though it counted ${total} from ${FIRST_IMPORT_ID}: its numbering changed (test/fakes/mirakl/index.ts)`);
    out.push(imp);
  }
  return out;
}

/** The FeedScenario of a Mirakl marketplace's plugin (plugins/<marketplace>) against FakeMirakl. */
export function miraklScenario(marketplace: 'carrefour' | 'centauro'): FeedScenario<FakeMirakl> {
  const limits = manifestLimits(marketplace);
  const maxItems = limits.batch!.maxItems!;
  const maxBytes = limits.batch!.maxBytes!;
  return {
    marketplace,
    start: (scale) => FakeMirakl.start({ name: marketplace, timeScale: scale }),

    integration: (fake, scale) => ({
      marketplace,
      minimumStock: 0,
      categoryMappings: { [String(CATEGORY_ID)]: miraklCategory(marketplace) },
      settings: { apiKey: fake.apiKey, apiBaseUrl: fake.url },
      limits: scaledLimits(limits, scale),
    }),

    view(fake, skuId): FeedRemoteView | undefined {
      const product = fake.getProduct(skuId);
      const offer = fake.getOffer(skuId);
      if (!product && !offer) return undefined;
      const catalogued = product?.status === 'catalogued';
      return { catalogued, active: catalogued && !!offer, ...(offer && { price: Math.round(offer.price * 100), stock: offer.quantity }) };
    },

    expectHolds(fake, sku) {
      const id = String(sku.id);
      const product = fake.getProduct(id);
      expect(product, `product ${id}`).toMatchObject({
        sku: id,
        status: 'catalogued',
        ean: sku.ean,
        data: {
          sku: id,
          name: nameComplete(sku).slice(0, 150),
          ean: sku.ean,
          brand: sku.brandName,
          category: miraklCategory(marketplace),
          height: String(sku.dimension.height),
          width: String(sku.dimension.width),
          depth: String(sku.dimension.length),
          ...Object.fromEntries(sku.images.slice(0, 5).map((url, k) => [`image-${k + 1}`, url])),
        },
      });
      expect(Number(product!.data.weight)).toBeCloseTo(sku.dimension.weight / 1000, 3);
      expect(product!.data.description).toContain(sku.productName);
      expect(product!.data.description).not.toMatch(/<[a-z/]/i);
      expect(product!.data['variant-group']).toBeUndefined();
      expect(fake.getOffer(id), `offer ${id}`).toMatchObject({ shopSku: id, productSku: id, productIdType: 'SHOP_SKU', quantity: sku.stock, state: '11' });
      expect(fake.getOffer(id)!.price).toBeCloseTo((sku.sellingPrice ?? sku.price) / 100, 2);
    },

    submissions: (fake): FeedSubmission[] =>
      imports(fake).map((imp) => {
        const rows = imp.table?.rows.length ?? (imp.kind === 'offer' ? imp.lines?.length : undefined) ?? 0;
        // The fake keeps the parsed file; the plugin sends every field quoted, `;`-separated, one header line: the
        // file's size is the header plus each row that way.
        const columns = imp.table?.columns ?? [];
        const line = (values: string[]) => Buffer.byteLength(`${values.map((v) => `"${v.replace(/"/g, '""')}"`).join(';')}\n`);
        const bytes = imp.table ? line(columns) + imp.table.rows.reduce((n, r) => n + line(columns.map((c) => r.values[c] ?? '')), 0) : 0;
        return { kind: imp.kind, items: rows, bytes, at: imp.createdAt };
      }),

    caps: [
      { kind: 'product', max: 1, windowMs: PRODUCT_EVERY_MS },
      { kind: 'offer', max: 1, windowMs: OFFER_EVERY_MS },
    ],
    // maxBytes bounds the lot's payload JSON; the CSV file built from it is smaller, so it bounds the file too.
    maxSize: { product: { items: maxItems, bytes: maxBytes }, offer: { items: maxItems, bytes: maxBytes } },

    offersBeforeCatalogued: (fake) => fake.counters.offersBeforeCatalogued,

    /**
     * ⌈N / maxItems⌉ product imports, one every 15 minutes (the first at once); a product is catalogued when its
     * import completes, PRODUCT_PROCESSING_MS after it was received (the fake's waiting + running + operator
     * integration); its offers go in the next offer import (once a minute — the earlier lots' offer imports are
     * long done within the 15-minute gaps) and are on sale OFFER_PROCESSING_MS later. So the last product import
     * decides: (imports − 1) × 15 min + product processing + offer processing (6 minutes for up to maxItems SKUs).
     */
    minimumMs(skus) {
      const productImports = Math.max(1, Math.ceil(skus / maxItems));
      return (productImports - 1) * PRODUCT_EVERY_MS + PRODUCT_PROCESSING_MS + OFFER_PROCESSING_MS;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The contract.

/** Marketplace ms per real ms in the contract: a product import every 1.5 s, catalogued 0.5 s after it is received. */
export const SCALE = 600;

export function miraklContract(scenario: FeedScenario<FakeMirakl>) {
  const mp = scenario.marketplace;

  describe(`${mp}: the Mirakl plugin contract, end to end against the fake (timeScale=${SCALE})`, () => {
    let stack: Stack;
    let fake: FakeMirakl;
    let settings: Record<string, unknown>;
    const account = () => stack.vtex.account;
    const seed = (n: number, patch: Partial<CatalogSku> = {}) => stack.vtex.seed(n, { categoryId: CATEGORY_ID, salesChannel: 1, make: () => ({ ...patch }) });
    const view = (id: number | string) => scenario.view(fake, String(id));
    const state = (id: number | string) => stateOf(stack, id, mp);
    const describeSku = (id: number | string) => async () => `state ${JSON.stringify(await state(id))}; marketplace ${JSON.stringify(view(id))}; fake ${fake.clock.describe()}`;
    const until = (id: number | string, status: SkuState['status'], also: () => boolean = () => true) =>
      waitFor(async () => (await state(id))?.status === status && also(), { timeoutMs: 60_000, describe: describeSku(id) });
    const sellingPrice = (s: CatalogSku) => s.sellingPrice ?? s.price;
    /** SKUs on sale (catalogued, offer synced), made by the first case; each later case takes its own. */
    const onSale: CatalogSku[] = [];
    const fresh = () => {
      const sku = onSale.shift();
      if (!sku) throw new Error('the contract ran out of SKUs on sale: seed more in the first case');
      return sku;
    };
    const lotsOf = (skuId: string | number) =>
      stack.runtime.db.query<{ lot_id: string; operation: string; outcome: string | null; message: string | null }>(
        `select i.lot_id::text, l.operation, i.outcome, i.message from lot_items i join lots l on l.id = i.lot_id where l.store = $1 and l.marketplace = $2 and i.sku_id = $3 order by i.lot_id`,
        [account(), mp, String(skuId)],
      );

    beforeAll(async () => {
      fake = await scenario.start(SCALE);
      stack = await startStack({
        configure: (raw) => {
          const integration = scenario.integration(fake, SCALE) as Record<string, any>;
          // Lots wait 0.8 s (8 marketplace minutes; the scaled manifest's 100 ms is shorter than the pipeline's spread
          // here) before they go unless full, so what is notified together is imported together (the "lot with
          // refused lines" case needs one lot).
          integration.limits = { ...integration.limits, batch: { ...integration.limits.batch, maxWaitMs: 800 } };
          settings = integration.settings;
          raw.stores[0].integrations = [integration];
          raw.pipeline = { coalesce: { quietMs: 100, maxDelayMs: 1000 } };
        },
        delivery: { ...scaledFeedPolling(SCALE), retry: { limit: 10, delaySeconds: 1, maxDelaySeconds: 2 }, authProbeSeconds: 3600 },
        pluginHost: { httpTimeoutMs: 5000 },
      });
    });
    afterAll(async () => {
      await stack?.close();
      await fake?.close();
    });

    it('sends the product, then the offer only once the product is catalogued; every field as VTEX says', async () => {
      const skus = seed(12);
      const started = performance.now();
      await notifyAll(stack, skus.map((s) => s.id));
      await waitFor(async () => (await Promise.all(skus.map(async (s) => (await state(s.id))?.status === 'synced'))).every(Boolean), {
        timeoutMs: 90_000,
        describe: async () => JSON.stringify(await Promise.all(skus.map(async (s) => [s.id, (await state(s.id))?.status, view(s.id)]))),
      });
      console.info(JSON.stringify({ contract: mp, skus: skus.length, seconds: Math.round((performance.now() - started) / 100) / 10, scale: SCALE, clock: fake.clock.describe() }));
      for (const sku of skus) scenario.expectHolds(fake, sku);
      expect(scenario.offersBeforeCatalogued(fake)).toBe(0);
      for (const sku of skus) {
        expect(await stack.runtime.state.idMapping(account(), mp, String(sku.id))).toBe(String(sku.id));
        // Product lot first (accepted), then an offer lot (accepted): never the other way round.
        const lots = await lotsOf(sku.id);
        expect(lots.map((l) => [l.operation, l.outcome])).toEqual([
          ['product', 'accepted'],
          ['offer', 'accepted'],
        ]);
        // Each offer import was received after its product was catalogued (the fake's clock).
        const offer = fake.getOffer(String(sku.id))!;
        expect(Date.parse(offer.updatedAt)).toBeGreaterThanOrEqual(Date.parse(fake.getProduct(String(sku.id))!.at));
      }
      onSale.push(...skus);
    });

    it('updates the stock (an offer import only, the product is not sent again)', async () => {
      const sku = fresh();
      const products = fake.counters.productImports;
      stack.vtex.updateSku(sku.id, { stock: sku.stock + 9 });
      await notifyOk(stack, sku.id, { StockModified: true });
      await until(sku.id, 'synced', () => view(sku.id)?.stock === sku.stock + 9);
      expect(view(sku.id)).toMatchObject({ price: sellingPrice(sku), stock: sku.stock + 9, active: true });
      expect(fake.counters.productImports).toBe(products);
    });

    it('updates the price', async () => {
      const sku = fresh();
      const price = sellingPrice(sku) + 1_250;
      stack.vtex.updateSku(sku.id, { price, sellingPrice: price, listPrice: Math.max(sku.listPrice, price) });
      await notifyOk(stack, sku.id, { PriceModified: true });
      await until(sku.id, 'synced', () => view(sku.id)?.price === price);
      expect(view(sku.id)).toMatchObject({ price, stock: sku.stock, active: true });
    });

    it('withdraws a SKU VTEX no longer sells (offer deleted, product kept, state blocked) and puts it back on sale', async () => {
      const sku = fresh();
      stack.vtex.updateSku(sku.id, { isActive: false });
      await notifyOk(stack, sku.id, { IsActive: false });
      await until(sku.id, 'blocked', () => view(sku.id)?.active === false);
      expect(fake.getOffer(String(sku.id))).toBeUndefined();
      expect(fake.getProduct(String(sku.id))?.status).toBe('catalogued');
      expect((await lotsOf(sku.id)).at(-1)).toMatchObject({ operation: 'offer', outcome: 'accepted' });

      stack.vtex.updateSku(sku.id, { isActive: true });
      await notifyOk(stack, sku.id, { IsActive: true, HasStockKeepingUnitModified: true });
      await until(sku.id, 'synced', () => view(sku.id)?.active === true);
      expect(view(sku.id)).toMatchObject({ price: sellingPrice(sku), stock: sku.stock, active: true });
      expect(await stack.runtime.state.idMapping(account(), mp, String(sku.id))).toBe(String(sku.id));
    });

    it("a lot with refused lines: the accepted ones synced, the refused ones failed with Mirakl's message from the error report", async () => {
      const taken = onSale[0]!; // an EAN already identifying a catalogued product: Mirakl refuses a second product with it
      const skus = seed(5);
      stack.vtex.updateSku(skus[1]!.id, { ean: taken.ean });
      fake.rejectOnImport(String(skus[3]!.id), 'Imagens abaixo de 1000 px: envie imagens maiores');
      await notifyAll(stack, skus.map((s) => s.id));
      for (const i of [0, 2, 4]) await until(skus[i]!.id, 'synced');
      const refused = [
        [skus[1]!, new RegExp(`ean ${taken.ean} already identifies product ${taken.id}`)],
        [skus[3]!, /Imagens abaixo de 1000 px/],
      ] as const;
      for (const [sku, message] of refused) {
        await until(sku.id, 'failed');
        const failed = (await state(sku.id))!;
        expect(failed.marketplaceId ?? null).toBeNull();
        expect(failed.fixes.map((f) => f.message).join(' ')).toMatch(message);
        expect(view(sku.id)?.active ?? false).toBe(false);
      }
      // One product lot carried all five: three accepted, two refused.
      const productLots = new Set((await Promise.all(skus.map((s) => lotsOf(s.id)))).map((l) => l.find((x) => x.operation === 'product')!.lot_id));
      expect(productLots.size).toBe(1);
      const [lot] = productLots;
      const outcomes = await stack.runtime.db.query<{ outcome: string; n: number }>('select outcome, count(*)::int as n from lot_items where lot_id = $1 group by outcome order by outcome', [lot]);
      expect(outcomes).toEqual([
        { outcome: 'accepted', n: 3 },
        { outcome: 'rejected', n: 2 },
      ]);
      expect(scenario.offersBeforeCatalogued(fake)).toBe(0);
    });

    it('waits out 429s (Retry-After) without failing anything', async () => {
      const sku = fresh();
      const limited = fake.counters.rateLimited;
      fake.faults.rateLimitNext(2, 1);
      stack.vtex.updateSku(sku.id, { stock: sku.stock + 3 });
      await notifyOk(stack, sku.id, { StockModified: true });
      await until(sku.id, 'synced', () => view(sku.id)?.stock === sku.stock + 3);
      expect(fake.counters.rateLimited).toBeGreaterThanOrEqual(limited + 2);
      expect(await stack.runtime.deadLetters.list()).toEqual([]);
    });

    it('retries a 5xx, then delivers (nothing dead-lettered)', async () => {
      const sku = fresh();
      fake.faults.failNext(1, 503);
      stack.vtex.updateSku(sku.id, { stock: sku.stock + 11 });
      await notifyOk(stack, sku.id, { StockModified: true });
      await until(sku.id, 'synced', () => view(sku.id)?.stock === sku.stock + 11);
      expect(await stack.runtime.deadLetters.list()).toEqual([]);
    });

    it('pauses on a wrong API key (401) with a clear reason, keeps the work, and resumes it with the right key', async () => {
      const [a, b] = [fresh(), fresh()];
      const refused = fake.counters.unauthorized;
      await stack.runtime.updateIntegrationSettings(account(), mp, { ...settings, apiKey: 'not-the-shop-api-key' });
      const price = sellingPrice(a) + 400;
      stack.vtex.updateSku(a.id, { price, sellingPrice: price, listPrice: Math.max(a.listPrice, price) });
      await notifyOk(stack, a.id, { PriceModified: true });
      const pause = async () => (await stack.runtime.contingency.status(account(), mp))[0];
      await waitFor(async () => (await pause())?.paused === true, { timeoutMs: 60_000, describe: async () => JSON.stringify(await pause()) });
      expect((await pause())!.reason).toMatch(/refused our credentials.*Update the integration's settings/);
      expect(fake.counters.unauthorized).toBeGreaterThan(refused);
      // Work that arrives while paused waits too.
      stack.vtex.updateSku(b.id, { stock: b.stock + 5 });
      await notifyOk(stack, b.id, { StockModified: true });
      await until(b.id, 'pending');
      expect(view(a.id)?.price).toBe(sellingPrice(a));

      await stack.runtime.updateIntegrationSettings(account(), mp, settings);
      await until(a.id, 'synced', () => view(a.id)?.price === price);
      await until(b.id, 'synced', () => view(b.id)?.stock === b.stock + 5);
      expect((await pause())!.paused).toBe(false);
    });

    it('product data is frozen once catalogued: a changed name is not re-sent as a product, the offer still goes', async () => {
      const sku = fresh();
      const before = fake.getProduct(String(sku.id))!;
      const products = fake.counters.productImports;
      const price = sellingPrice(sku) + 700;
      stack.vtex.updateSku(sku.id, { skuName: `${sku.skuName} Edição Nova`, price, sellingPrice: price, listPrice: Math.max(sku.listPrice, price) });
      await notifyOk(stack, sku.id, { HasStockKeepingUnitModified: true, PriceModified: true });
      await until(sku.id, 'synced', () => view(sku.id)?.price === price);
      // The connector's payload has the new name; the marketplace keeps the catalogued one, and was never asked to change it.
      expect((await state(sku.id))!.lastRequest).toMatchObject({ operation: 'offer', payload: { name: expect.stringContaining('Edição Nova') } });
      expect(fake.getProduct(String(sku.id))!.data).toEqual(before.data);
      expect(fake.counters.productImports).toBe(products);
      expect(fake.counters.frozenProductUpdates).toBe(0);
    });

    it('reads offers back (OF21): a stock changed in the back office is found as drift by reconciliation and repaired', async () => {
      const sku = fresh();
      // The seller changes the offer on Mirakl behind the connector's back: an OF01 import of their own (a 429 while
      // the connector's own import holds the once-a-minute window is waited out here).
      const form = new FormData();
      const line = [String(sku.id), String(sku.id), 'SHOP_SKU', String(sellingPrice(sku) / 100), String(sku.stock + 500), '11', 'update'];
      form.append('file', new Blob([`sku;product-id;product-id-type;price;quantity;state;update-delete\n${line.join(';')}\n`], { type: 'text/csv' }), 'offers.csv');
      await waitFor(async () => (await fetch(`${fake.url}/api/offers/imports`, { method: 'POST', headers: { authorization: fake.apiKey }, body: form })).status === 201);
      await waitFor(() => view(sku.id)?.stock === sku.stock + 500, { describe: describeSku(sku.id) });

      const run = await stack.runtime.reconciler.runOnce(account(), mp, { scope: 'full' });
      expect(run.status).toBe('done');
      const drifts = await stack.runtime.reconciler.drifts({ runId: run.id });
      expect(drifts.map((d) => d.skuId)).toEqual([String(sku.id)]);
      expect(drifts[0]).toMatchObject({ kind: 'marketplace', fields: { quantity: { expected: sku.stock, actual: sku.stock + 500 } } });
      await waitFor(() => view(sku.id)?.stock === sku.stock, { timeoutMs: 60_000, describe: describeSku(sku.id) });
      await until(sku.id, 'synced');
    });

    it('an import Mirakl fails as a whole fails each of its SKUs with the reason, and a later change sends them again', async () => {
      const [sku] = seed(1);
      fake.failNextImports(1);
      await notifyOk(stack, sku!.id, { HasStockKeepingUnitModified: true });
      await until(sku!.id, 'failed');
      expect((await state(sku!.id))!.fixes.map((f) => f.message).join(' ')).toMatch(/could not process the product import \d+: Internal error/);
      stack.vtex.updateSku(sku!.id, { stock: sku!.stock + 1 });
      await notifyOk(stack, sku!.id, { StockModified: true });
      await until(sku!.id, 'synced', () => view(sku!.id)?.active === true);
      expect(scenario.offersBeforeCatalogued(fake)).toBe(0);
    });
  });
}
