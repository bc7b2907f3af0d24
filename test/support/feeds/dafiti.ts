/**
 * The Dafiti adapter of the feed harnesses (test/support/feed-scenario.ts): the fake SellerCenter
 * (test/fakes/dafiti) on a scaled clock, the integration pointing at it with the manifest's limits compressed
 * by the same scale, and how to read what the fake holds in VTEX's terms.
 *
 * Submissions, by the fake's feeds: `product` = ProductCreate (one per product lot), `offer` = ProductUpdate and
 * `image` = Image (one of each per offer lot), `remove` = ProductRemove.
 */
import { XMLBuilder } from 'fast-xml-parser';
import { expect } from 'vitest';
import { FakeDafiti, type FakeDafitiProduct } from '../../fakes/index.js';
import { manifestLimits, scaledLimits } from '../feed-load.js';
import type { FeedRemoteView, FeedScenario, FeedSubmission, SubmissionCap } from '../feed-scenario.js';
import { CATEGORY_ID } from '../stack.js';

/** The Dafiti category id the tests map the VTEX category to (the fake knows only it). */
export const DAFITI_CATEGORY = 1001;
/** Brands the fake's brand list has: the fake VTEX catalogue's five. A SKU with another brand is refused per item. */
export const DAFITI_BRANDS = ['Aurora', 'Nortec', 'Vento Sul', 'Ipê', 'Maré Alta'];
/** The fake's processing delays (its defaults; marketplace ms): Queued, then Processing. */
export const FEED_QUEUED_MS = 30_000;
export const FEED_PROCESSING_MS = 60_000;

/** The limits the plugin's manifest declares (the marketplace's own, in marketplace time). */
export const DECLARED = manifestLimits('dafiti');
const MAX_ITEMS = DECLARED.batch!.maxItems!;

/** Marketplace ms between two submissions of one lot kind (GCRA with burst 1: evenly spaced at the declared rate). */
function intervalMs(kind: 'submitFeed.product' | 'submitFeed.offer'): number {
  const r = DECLARED.rate![kind] ?? DECLARED.rate!.submitFeed ?? DECLARED.rate!.default!;
  const perMs = Math.min(r.perMinute !== undefined ? r.perMinute / 60_000 : Infinity, r.perSecond !== undefined ? r.perSecond / 1000 : Infinity);
  return 1 / perMs;
}

/**
 * Real ms by which two consecutive submissions on one budget may reach the fake closer together than the declared
 * interval. The core spaces a burst-1 budget's slots 1/rate + 10 ms apart, counted from when each reservation
 * answered (core/src/delivery/rate-budget.ts), and between a slot and the request's arrival lie the database round
 * trip, the plugin host's queue (one worker thread for every call of the plugin) and the XML being built: measured
 * up to 83 ms at 20× and 380 ms at 60× on Postgres on this 2-core machine, with other helpers' tests running. It is
 * real time, so a scaled clock multiplies it: at 20×, 250 ms is 5 s of the 120 s between two ProductCreate feeds.
 * The caps are checked with the declared interval less this (at 1×, 0.25 s of 120 s).
 */
export const PACING_JITTER_REAL_MS = 250;
/** The scale of the last fake started (the caps are read after its load). */
let lastScale = 1;

const cents = (decimal: number) => Math.round(decimal * 100);

/** What a buyer pays on the fake now: its SalePrice while the sale's dates include now, else its Price (decimal). */
export function fakeSellingPrice(product: FakeDafitiProduct, now: number): number {
  if (product.SalePrice === undefined) return product.Price;
  const start = product.SaleStartDate ? Date.parse(product.SaleStartDate) : -Infinity;
  const end = product.SaleEndDate ? Date.parse(product.SaleEndDate) : Infinity;
  return start <= now && now < end ? product.SalePrice : product.Price;
}

const builder = new XMLBuilder({ format: false });

/** The size of a feed's body: its records written back as `<Request>` XML (the fake keeps the parsed records, not the bytes). */
function feedBytes(action: string, records: unknown[]): number {
  const element = action === 'Image' ? 'ProductImage' : 'Product';
  return Buffer.byteLength(`<?xml version="1.0" encoding="UTF-8" ?>\n${builder.build({ Request: { [element]: records } }) as string}`);
}

const KIND: Record<string, string> = { ProductCreate: 'product', ProductUpdate: 'offer', Image: 'image', ProductRemove: 'remove' };

export const dafitiScenario: FeedScenario<FakeDafiti> = {
  marketplace: 'dafiti',

  start(scale) {
    lastScale = scale;
    return FakeDafiti.start({ timeScale: scale, brands: DAFITI_BRANDS, categories: [DAFITI_CATEGORY], delays: { feedQueuedMs: FEED_QUEUED_MS, feedProcessingMs: FEED_PROCESSING_MS } });
  },

  integration: (fake, scale) => ({
    marketplace: 'dafiti',
    categoryMappings: { [String(CATEGORY_ID)]: String(DAFITI_CATEGORY) },
    settings: { userId: fake.userId, apiKey: fake.apiKey, apiBaseUrl: fake.url },
    limits: scaledLimits(DECLARED, scale),
  }),

  view(fake, skuId) {
    const product = fake.getProduct(skuId);
    if (!product || product.Status === 'deleted') return undefined;
    return { price: cents(fakeSellingPrice(product, fake.clock.now())), stock: product.Quantity, catalogued: true, active: product.Status === 'active' } satisfies FeedRemoteView;
  },

  expectHolds(fake, sku) {
    const id = String(sku.id);
    const held = fake.getProduct(id);
    const name = sku.skuName === sku.productName ? sku.productName : `${sku.productName} ${sku.skuName}`;
    const selling = sku.sellingPrice ?? sku.price;
    const onSale = sku.listPrice > selling;
    expect(held, `SKU ${id} on Dafiti`).toMatchObject({
      SellerSku: id,
      Name: name.slice(0, 150).trim(),
      Brand: sku.brandName,
      PrimaryCategory: String(DAFITI_CATEGORY),
      Price: (onSale ? sku.listPrice : selling) / 100,
      Quantity: sku.stock,
      Status: 'active',
      ...(sku.ean && { ProductId: sku.ean }),
      ...(sku.specifications?.Tamanho && { Variation: sku.specifications.Tamanho }),
      ProductData: sku.specifications?.Cor ? { Color: sku.specifications.Cor } : {},
      Images: sku.images.slice(0, 8),
    });
    expect(held!.Description, `SKU ${id} description`).toContain(sku.productName);
    expect(held!.Description).not.toMatch(/<[a-z]/);
    expect(cents(fakeSellingPrice(held!, fake.clock.now())), `SKU ${id} selling price`).toBe(selling);
    if (onSale) expect(held!.SalePrice).toBe(selling / 100);
  },

  submissions: (fake) =>
    fake
      .feeds()
      .map((f): FeedSubmission => ({ kind: KIND[f.Action] ?? f.Action, items: f.TotalRecords, bytes: feedBytes(f.Action, f.records), at: f.receivedAt }))
      .sort((a, b) => a.at - b.at),

  /**
   * From the manifest: `submitFeed.product` → ProductCreate feeds, `submitFeed.offer` → ProductUpdate feeds and
   * Image feeds (an offer lot sends one of each); `burst` submissions per 1/rate — less PACING_JITTER_REAL_MS at
   * the scale of the last fake started (see there).
   */
  get caps(): SubmissionCap[] {
    const allowance = PACING_JITTER_REAL_MS * lastScale;
    const cap = (kind: string, op: 'submitFeed.product' | 'submitFeed.offer'): SubmissionCap => ({ kind, max: DECLARED.rate![op]?.burst ?? 1, windowMs: intervalMs(op) - allowance });
    return [cap('product', 'submitFeed.product'), cap('offer', 'submitFeed.offer'), cap('image', 'submitFeed.offer')];
  },

  /** Items per feed: the manifest's lot size. Bytes: the XML body SellerCenter is assumed to take (10 MiB, the fake's default limit). */
  maxSize: {
    product: { items: MAX_ITEMS, bytes: 10 * 1024 * 1024 },
    offer: { items: MAX_ITEMS, bytes: 10 * 1024 * 1024 },
    image: { items: MAX_ITEMS, bytes: 10 * 1024 * 1024 },
  },

  offersBeforeCatalogued: (fake) => fake.counters.offersBeforeCatalogued,

  /**
   * The least marketplace time for `skus` new SKUs to be catalogued and on sale, under the declared limits and the
   * fake's delays: L = ⌈skus / maxItems⌉ product lots, the k-th submitted at k × (product interval) at the soonest;
   * each feed takes P = Queued + Processing; the k-th offer lot (ProductUpdate + Image, processed side by side) can
   * go once its products are done (k × product interval + P) and one offer interval after the previous offer lot;
   * the load is done when the last offer lot is processed. Polling, lot filling and the pipeline in front are
   * taken as free, so a real run can only be slower.
   */
  minimumMs(skus: number): number {
    const lots = Math.ceil(skus / MAX_ITEMS);
    const processing = FEED_QUEUED_MS + FEED_PROCESSING_MS;
    const productEvery = intervalMs('submitFeed.product');
    const offerEvery = intervalMs('submitFeed.offer');
    let offerAt = -Infinity;
    for (let k = 0; k < lots; k++) offerAt = Math.max(k * productEvery + processing, offerAt + offerEvery);
    return offerAt + processing;
  },
};
