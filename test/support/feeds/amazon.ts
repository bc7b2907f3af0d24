/**
 * FeedScenario of plugins/amazon against FakeAmazon (test/fakes/amazon): the SP-API's Listings Items and
 * JSON_LISTINGS_FEED on the fake's scalable clock, every uploaded feed validated against Amazon's feed schema.
 *
 * Time: the fake's clock runs at `scale`; the integration gets the manifest's true limits compressed by the same
 * scale (scaledLimits). LWA access tokens live an hour of marketplace time at the fake, but the plugin counts their
 * hour on the real clock (it cannot know the fake's), so the fake is told they live `scale` hours: an hour of real
 * time, as the plugin assumes — otherwise at 300× every token would expire after 12 real seconds and each call
 * would first draw a 403 (the expired-token case is tested on purpose, with expireAccessTokens).
 */
import { expect } from 'vitest';
import { AMAZON_RATE_PLANS, AMAZON_FEED_SUBMISSION_LIMIT as FEED_SUBMISSION_LIMIT, FakeAmazon, type CatalogSku, type FakeAmazonListing } from '../../fakes/index.js';
import { manifestLimits, pluginManifest, scaledLimits } from '../feed-load.js';
import type { FeedScenario } from '../feed-scenario.js';
import { CATEGORY_ID } from '../stack.js';

export const AMAZON_PRODUCT_TYPE = 'SHOES';
const LIMITS = manifestLimits('amazon');
const MAX_ITEMS = LIMITS.batch!.maxItems!;
/** Amazon's cap on the document (< 10 MiB), not the manifest's maxBytes (which counts the payload the core holds). */
const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024 - 1;
const SUBMIT = LIMITS.rate!['submitFeed.upsert']!;
const PER_ITEM_BELOW = (pluginManifest('amazon').manifest.contributes.marketplace.capabilities as { perItemBelow?: number }).perItemBelow ?? 0;
/** FakeAmazon's default processing delays (marketplace ms): 60 s IN_QUEUE, then 120 s IN_PROGRESS. */
const IN_QUEUE_MS = 60_000;
const IN_PROGRESS_MS = 120_000;

const nameComplete = (sku: CatalogSku) => (sku.skuName === sku.productName ? sku.productName : `${sku.productName} ${sku.skuName}`);

/** The selling price in cents and the DEFAULT channel's quantity a listing holds. */
export function offerOf(listing: FakeAmazonListing): { price?: number; stock?: number } {
  const offer = listing.attributes.purchasable_offer?.[0] as { our_price?: { schedule?: { value_with_tax?: number }[] }[] } | undefined;
  const price = offer?.our_price?.[0]?.schedule?.[0]?.value_with_tax;
  const stock = listing.attributes.fulfillment_availability?.find((e) => e.fulfillment_channel_code === 'DEFAULT')?.quantity;
  return { ...(typeof price === 'number' && { price: Math.round(price * 100) }), ...(typeof stock === 'number' && { stock }) };
}

/** The settings the fake accepts (its seller, marketplace and LWA app). */
export function amazonSettings(fake: FakeAmazon): Record<string, unknown> {
  return {
    sellerId: fake.sellerId,
    marketplaceId: fake.marketplaceIds[0],
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    refreshToken: fake.refreshToken,
    apiBaseUrl: fake.url,
    tokenUrl: `${fake.url}/auth/o2/token`,
  };
}

export function startFakeAmazon(scale: number, options: Parameters<typeof FakeAmazon.start>[0] = {}): Promise<FakeAmazon> {
  return FakeAmazon.start({ timeScale: scale, accessTokenTtlSeconds: 3600 * scale, ...options });
}

export const amazon: FeedScenario<FakeAmazon> = {
  marketplace: 'amazon',

  start: (scale) => startFakeAmazon(scale),

  integration: (fake, scale) => ({
    marketplace: 'amazon',
    minimumStock: 0,
    categoryMappings: { [String(CATEGORY_ID)]: AMAZON_PRODUCT_TYPE },
    settings: amazonSettings(fake),
    limits: scaledLimits(LIMITS, scale),
  }),

  view(fake, skuId) {
    const listing = fake.getListing(skuId);
    if (!listing) return undefined;
    const { price, stock } = offerOf(listing);
    return { catalogued: true, active: price !== undefined && (stock ?? 0) > 0, ...(price !== undefined && { price }), ...(stock !== undefined && { stock }) };
  },

  expectHolds(fake, sku) {
    const id = String(sku.id);
    const listing = fake.getListing(id);
    expect(listing, `listing ${id}`).toBeDefined();
    const mp = fake.marketplaceIds[0];
    const text = (value: unknown) => [{ value, language_tag: 'pt_BR', marketplace_id: mp }];
    expect(listing!.productType).toBe(AMAZON_PRODUCT_TYPE);
    expect(listing!.attributes).toMatchObject({
      item_name: text(nameComplete(sku)),
      brand: text(sku.brandName),
      condition_type: [{ value: 'new_new', marketplace_id: mp }],
      externally_assigned_product_identifier: [{ type: 'ean', value: sku.ean, marketplace_id: mp }],
      part_number: [{ value: sku.refId, marketplace_id: mp }],
      main_product_image_locator: [{ media_location: sku.images[0], marketplace_id: mp }],
      purchasable_offer: [{ currency: 'BRL', our_price: [{ schedule: [{ value_with_tax: (sku.sellingPrice ?? sku.price) / 100 }] }], marketplace_id: mp }],
      list_price: [{ currency: 'BRL', value: sku.listPrice / 100, marketplace_id: mp }],
      fulfillment_availability: [{ fulfillment_channel_code: 'DEFAULT', quantity: sku.stock }],
      item_package_weight: [{ value: sku.dimension.weight, unit: 'grams', marketplace_id: mp }],
    });
    sku.images.slice(1).forEach((url, i) => expect(listing!.attributes[`other_product_image_locator_${i + 1}`]).toEqual([{ media_location: url, marketplace_id: mp }]));
    const description = String(listing!.attributes.product_description?.[0]?.value);
    expect(description).toContain(sku.productName);
    expect(description).not.toMatch(/<[a-z]/);
  },

  /** Every JSON_LISTINGS_FEED the fake received (createFeed), with its uploaded document's messages and bytes. */
  submissions: (fake) =>
    fake.feeds().map((feed) => {
      const content = fake.documentContent(feed.inputFeedDocumentId) ?? '';
      let items = 0;
      try {
        items = (JSON.parse(content) as { messages?: unknown[] }).messages?.length ?? 0;
      } catch {
        items = 0;
      }
      return { kind: 'listings-feed', items, bytes: Buffer.byteLength(content), at: Date.parse(feed.createdTime) };
    }),

  // Amazon: 5 JSON_LISTINGS_FEED submissions per 5 minutes (what the fake enforces, FEED_SUBMISSION_LIMIT).
  caps: [{ kind: 'listings-feed', max: FEED_SUBMISSION_LIMIT.max, windowMs: FEED_SUBMISSION_LIMIT.windowMs }],
  maxSize: { 'listings-feed': { items: MAX_ITEMS, bytes: MAX_DOCUMENT_BYTES } },

  offersBeforeCatalogued: (fake) => fake.counters.offersBeforeCatalogued,

  /**
   * The least marketplace time for `skus` new SKUs, from the declared limits and the fake's delays:
   * - below `perItemBelow` they go item by item, PUT at the declared 5/s with a burst of 10 (Amazon's usage plan,
   *   AMAZON_RATE_PLANS.putListingsItem): max(0, N − burst) / 5 s, and a PUT shows at once (listingMs 0);
   * - otherwise as feeds of at most 25,000 messages (the declared maxItems, Amazon's cap), one submission a minute
   *   (the declared `submitFeed.upsert` rate, 1 a minute with a burst of 1 — within Amazon's 5 per 5 minutes), each
   *   processed in IN_QUEUE + IN_PROGRESS = 60 s + 120 s: the last feed goes (⌈N / 25,000⌉ − 1) minutes after the
   *   first and is done 180 s later. The payload-byte cap (maxBytes) can only make lots smaller, so this is a lower
   *   bound.
   */
  minimumMs(skus) {
    const put = AMAZON_RATE_PLANS.putListingsItem;
    if (skus < PER_ITEM_BELOW) return (Math.max(0, skus - put.burst) * 1000) / put.rate;
    const feeds = Math.ceil(skus / MAX_ITEMS);
    const spacingMs = 60_000 / SUBMIT.perMinute!;
    return (feeds - 1) * spacingMs + IN_QUEUE_MS + IN_PROGRESS_MS;
  },
};
