/**
 * The Dafiti adapter of the feed harnesses (test/support/feed-scenario.ts): the fake SellerCenter
 * (test/fakes/dafiti) on a scaled clock, the integration pointing at it with the manifest's limits compressed
 * by the same scale, and how to read what the fake holds in VTEX's terms.
 *
 * Submissions, by the fake's feeds: `product` = ProductCreate (one per product lot), `offer` = ProductUpdate and
 * `image` = Image (one of each per offer lot), `remove` = ProductRemove.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLBuilder } from 'fast-xml-parser';
import { expect } from 'vitest';
import { FakeDafiti, type FakeDafitiProduct } from '../../fakes/index.js';
import type { FeedRemoteView, FeedScenario, FeedSubmission, SubmissionCap } from '../feed-scenario.js';
import { CATEGORY_ID } from '../stack.js';

/** The Dafiti category id the tests map the VTEX category to (the fake knows only it). */
export const DAFITI_CATEGORY = 1001;
/** Brands the fake's brand list has: the fake VTEX catalogue's five. A SKU with another brand is refused per item. */
export const DAFITI_BRANDS = ['Aurora', 'Nortec', 'Vento Sul', 'Ipê', 'Maré Alta'];
/** The fake's processing delays (its defaults; marketplace ms): Queued, then Processing. */
export const FEED_QUEUED_MS = 30_000;
export const FEED_PROCESSING_MS = 60_000;

type RateLimit = { perSecond?: number; perMinute?: number; burst?: number };
interface Limits {
  rate: Record<string, RateLimit>;
  batch: { maxItems: number; maxBytes: number; maxWaitMs: number };
  concurrency: number;
}

/** The limits the plugin's manifest declares (the marketplace's own, in marketplace time). */
export const DECLARED: Limits = JSON.parse(readFileSync(join(import.meta.dirname, '../../../plugins/dafiti/package.json'), 'utf8')).contributes.marketplace.limits;

/** The declared limits in real time at `scale` marketplace ms per real ms: rates × scale, waits ÷ scale. */
export function scaledLimits(scale: number, declared: Limits = DECLARED): Limits {
  const rate = Object.fromEntries(
    Object.entries(declared.rate).map(([op, r]) => [
      op,
      { ...(r.perSecond !== undefined && { perSecond: r.perSecond * scale }), ...(r.perMinute !== undefined && { perMinute: r.perMinute * scale }), ...(r.burst !== undefined && { burst: r.burst }) },
    ]),
  );
  return { rate, batch: { ...declared.batch, maxWaitMs: Math.round(declared.batch.maxWaitMs / scale) }, concurrency: declared.concurrency };
}

/** Marketplace ms between two submissions of one lot kind (GCRA with burst 1: evenly spaced at the declared rate). */
function intervalMs(kind: 'submitFeed.product' | 'submitFeed.offer', declared: Limits = DECLARED): number {
  const r = declared.rate[kind] ?? declared.rate.submitFeed ?? declared.rate.default!;
  const perMs = Math.min(r.perMinute !== undefined ? r.perMinute / 60_000 : Infinity, r.perSecond !== undefined ? r.perSecond / 1000 : Infinity);
  return 1 / perMs;
}

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

  start: (scale) => FakeDafiti.start({ timeScale: scale, brands: DAFITI_BRANDS, categories: [DAFITI_CATEGORY], delays: { feedQueuedMs: FEED_QUEUED_MS, feedProcessingMs: FEED_PROCESSING_MS } }),

  integration: (fake, scale) => ({
    marketplace: 'dafiti',
    categoryMappings: { [String(CATEGORY_ID)]: String(DAFITI_CATEGORY) },
    settings: { userId: fake.userId, apiKey: fake.apiKey, apiBaseUrl: fake.url },
    limits: scaledLimits(scale),
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
      .map((f): FeedSubmission => ({ kind: KIND[f.Action] ?? f.Action, items: f.TotalRecords, bytes: feedBytes(f.Action, f.records), at: Date.parse(`${f.CreationDate.replace(' ', 'T')}Z`) }))
      .sort((a, b) => a.at - b.at),

  /**
   * From the manifest: `submitFeed.product` → ProductCreate feeds, `submitFeed.offer` → ProductUpdate feeds and
   * Image feeds (an offer lot sends one of each); `burst` submissions per 1/rate.
   */
  caps: (() => {
    const cap = (kind: string, op: 'submitFeed.product' | 'submitFeed.offer'): SubmissionCap => ({ kind, max: DECLARED.rate[op]?.burst ?? 1, windowMs: intervalMs(op) });
    return [cap('product', 'submitFeed.product'), cap('offer', 'submitFeed.offer'), cap('image', 'submitFeed.offer')];
  })(),

  /** Items per feed: the manifest's lot size. Bytes: the XML body SellerCenter is assumed to take (10 MiB, the fake's default limit). */
  maxSize: {
    product: { items: DECLARED.batch.maxItems, bytes: 10 * 1024 * 1024 },
    offer: { items: DECLARED.batch.maxItems, bytes: 10 * 1024 * 1024 },
    image: { items: DECLARED.batch.maxItems, bytes: 10 * 1024 * 1024 },
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
    const lots = Math.ceil(skus / DECLARED.batch.maxItems);
    const processing = FEED_QUEUED_MS + FEED_PROCESSING_MS;
    const productEvery = intervalMs('submitFeed.product');
    const offerEvery = intervalMs('submitFeed.offer');
    let offerAt = -Infinity;
    for (let k = 0; k < lots; k++) offerAt = Math.max(k * productEvery + processing, offerAt + offerEvery);
    return offerAt + processing;
  },
};
