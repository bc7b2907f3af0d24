/**
 * Dafiti — SellerCenter API (`sellercenter-api.dafiti.com.br`): signed calls (HMAC-SHA256 of the sorted,
 * URL-encoded parameters, keyed with the user's API key), XML feeds processed asynchronously.
 *
 * The manifest says `mode: feed` and `needsProductBeforeOffer: true`: the core sends a SKU first in a
 * `product` lot, and its `offer` lots only once checkFeed has confirmed the product. Per lot:
 *
 * | lot | feeds sent (one submitFeed) |
 * | --- | --- |
 * | product | `ProductCreate` — the whole product, price and stock included |
 * | offer | `ProductUpdate` — the whole payload, `Status` active (a withdrawn item: inactive, Quantity 0); and `Image` — the images of every item that has some (SellerCenter takes images only for a product that exists) |
 *
 * `feedRef` is the JSON of the FeedIds sent for the lot (plus the SKUs SellerCenter refused at once, and
 * those left out of the Image feed); checkFeed polls each with `FeedStatus` and, once every one is
 * Finished or Error, maps `FeedErrors` back to the lot's SKUs by SellerSku.
 */
import {
  definePlugin,
  MarketplaceErrors,
  type FeedItemResult,
  type FeedLotRef,
  type FeedStatus,
  type ItemRef,
  type Lot,
  type LotItem,
  type PluginContext,
  type RemoteState,
  type RemoteStateQuery,
} from '@connector/core/plugin';
import { feedXml, imageRecord, imagesOf, productRecord, removeRecord, withdrawRecord, type DafitiPayload, type XmlRecord } from './records.js';
import { formatErrors, SellerCenter, type FeedAction, type FeedDetail, type FeedError, type SellerCenterProduct } from './sellercenter.js';

export { canonicalQuery, rawUrlEncode, sellerCenterSignature, sellerCenterTimestamp, signedQuery } from './signature.js';
export { feedXml, money, priceFields, productRecord, withdrawRecord, imageRecord } from './records.js';

/** The feeds one lot may send, in the order they are sent. */
type LotFeed = 'ProductCreate' | 'ProductUpdate' | 'Image';
const LOT_FEEDS: readonly LotFeed[] = ['ProductCreate', 'ProductUpdate', 'Image'];

/** What a lot's submission left behind: the lot's `feedRef` (JSON). */
export interface DafitiFeedRef {
  /** FeedId of each feed sent for the lot. */
  feeds: Partial<Record<LotFeed, string>>;
  /** SKUs SellerCenter refused when the feed was sent (Format Error Detected), with the seller's message. */
  refused?: Record<string, string>;
  /** SKUs of the lot that are not in its Image feed (withdrawn, or without images). */
  noImage?: string[];
  /** SellerSku → VTEX SKU id, where they differ (the manifest maps SellerSku from the SKU id, so normally never). */
  aliases?: Record<string, string>;
}

/** Items SellerCenter's GetProducts is asked about at once (they travel in the query string). */
export const LOOKUP_MAX = 100;
/** How long a lot's FeedIds are remembered, so a retried submission does not send a feed twice. */
const SUBMISSION_TTL_SECONDS = 3 * 24 * 3600;

const PENDING = new Set(['Queued', 'Processing']);

const FEED_WORDS: Record<LotFeed | 'ProductRemove', string> = {
  ProductCreate: 'product (ProductCreate)',
  ProductUpdate: 'price, stock and details (ProductUpdate)',
  Image: 'images (Image)',
  ProductRemove: 'removal (ProductRemove)',
};

/** What the seller can do about a refused field, after SellerCenter's own words. */
const FIELD_HINTS: Record<string, string> = {
  Brand: "Spell the brand as Dafiti's brand list does (the integration's brandMap setting maps a VTEX brand to it), or ask Dafiti to register it.",
  PrimaryCategory: "Map the SKU's VTEX category to a Dafiti category id that exists, in the integration's category mapping.",
  Images: 'Check the SKU\'s images in VTEX (Catalog > SKU > Images).',
  Image: 'Check the SKU\'s images in VTEX (Catalog > SKU > Images): Dafiti must be able to download each URL.',
  SalePrice: "Check the SKU's list and selling prices in the trade policy in VTEX.",
  Price: "Check the SKU's price in the trade policy in VTEX.",
};

/** "Field Brand with value 'X' has a problem: …" → "Brand". */
function fieldOf(message: string): string | undefined {
  return /^Field (\w+)/.exec(message)?.[1];
}

/** A FeedErrors message worded for the seller: which feed, SellerCenter's words, and what to do when we know. */
export function sellerMessage(action: LotFeed | 'ProductRemove', message: string): string {
  const field = fieldOf(message);
  const hint = (field && FIELD_HINTS[field]) || (action === 'Image' ? FIELD_HINTS.Image : undefined);
  return `Dafiti refused the ${FEED_WORDS[action]}: ${message.trim()}${hint ? ` — ${hint}` : ''}`;
}

/** A product that already exists is not a failure of ProductCreate: it is adopted, and its offer lot updates it. */
const ALREADY_EXISTS = /already exists/i;

export function parseFeedRef(feedRef: string): DafitiFeedRef {
  try {
    const parsed = JSON.parse(feedRef) as DafitiFeedRef;
    if (parsed && typeof parsed === 'object' && parsed.feeds && typeof parsed.feeds === 'object') return parsed;
  } catch {
    // not ours: below
  }
  throw MarketplaceErrors.rejected('dafiti', `"${feedRef.slice(0, 80)}" is not a feed reference this plugin wrote`);
}

/** True when the item must come off sale (`withdraw`, plugin API 1.1; its payload is empty). */
function isWithdrawal(item: LotItem): boolean {
  return item.withdraw === true || Object.keys(item.payload).length === 0;
}

/**
 * The outcome of each SKU of a lot once every feed of it is done. A SKU is accepted when no feed it was
 * in refused it; a feed that ended in Error (or was cancelled) fails every SKU in it with its message.
 * A SKU in a feed SellerCenter does not know (E012) gets no result: the core sends it again.
 */
export function lotResults(ref: DafitiFeedRef, details: Partial<Record<LotFeed, FeedDetail | undefined>>, skuIds: readonly string[]): FeedItemResult[] {
  const toSku = (sellerSku: string) => ref.aliases?.[sellerSku] ?? sellerSku;
  const sellerSkuOf = new Map(Object.entries(ref.aliases ?? {}).map(([sellerSku, skuId]) => [skuId, sellerSku]));
  const noImage = new Set(ref.noImage ?? []);
  const errorsBySku = new Map<LotFeed, Map<string, FeedError[]>>();
  for (const action of LOT_FEEDS) {
    const bySku = new Map<string, FeedError[]>();
    for (const error of details[action]?.FeedErrors ?? []) {
      const sku = toSku(String(error.SellerSku ?? '').trim());
      if (!sku) continue;
      bySku.set(sku, [...(bySku.get(sku) ?? []), error]);
    }
    errorsBySku.set(action, bySku);
  }
  const results: FeedItemResult[] = [];
  for (const skuId of skuIds) {
    const refused = ref.refused?.[skuId];
    const marketplaceId = sellerSkuOf.get(skuId) ?? skuId;
    if (refused) {
      results.push({ skuId, ok: false, message: refused });
      continue;
    }
    const problems: string[] = [];
    let unknown = false;
    for (const action of LOT_FEEDS) {
      const feedId = ref.feeds[action];
      if (!feedId || (action === 'Image' && noImage.has(skuId))) continue;
      const detail = details[action];
      if (!detail) {
        unknown = true;
        continue;
      }
      if (detail.Status !== 'Finished') {
        const why = detail.FeedErrors.map((e) => String(e.Message ?? '').trim()).filter(Boolean).join('; ');
        problems.push(`Dafiti could not process the ${FEED_WORDS[action]} feed ${feedId} (status ${detail.Status})${why ? `: ${why}` : ''}; it is sent again at the SKU's next change.`);
        continue;
      }
      for (const error of errorsBySku.get(action)?.get(skuId) ?? []) {
        const message = String(error.Message ?? '').trim() || `record refused (code ${String(error.Code ?? '?')})`;
        if (action === 'ProductCreate' && ALREADY_EXISTS.test(message)) continue;
        problems.push(sellerMessage(action, message));
      }
    }
    if (problems.length) results.push({ skuId, ok: false, message: problems.join(' ') });
    else if (!unknown) results.push({ skuId, ok: true, marketplaceId });
  }
  return results;
}

/** The price a buyer pays on Dafiti now: the SalePrice while its dates include now, else the Price. */
export function sellingPriceOf(product: SellerCenterProduct, now: number): number | undefined {
  const price = Number(product.Price);
  const sale = product.SalePrice === undefined || product.SalePrice === '' ? Number.NaN : Number(product.SalePrice);
  const start = product.SaleStartDate ? Date.parse(product.SaleStartDate) : Number.NaN;
  const end = product.SaleEndDate ? Date.parse(product.SaleEndDate) : Number.NaN;
  const onSale = Number.isFinite(sale) && (Number.isNaN(start) || start <= now) && (Number.isNaN(end) || now < end);
  if (onSale) return sale;
  return Number.isFinite(price) ? price : undefined;
}

export function activate(ctx: PluginContext) {
  const api = new SellerCenter(ctx);
  const saleDays = Number(ctx.settings.saleDays ?? 365);
  const mp = ctx.marketplace;
  // Feed mode: the core sends every item in lots and never calls publish or update for one item.
  const feedsOnly = async (): Promise<never> => {
    throw MarketplaceErrors.rejected(mp, 'Dafiti takes items in feeds only (submitFeed)');
  };

  /** One single-record feed, for the item handlers (off sale, removal): sent, not waited for. */
  async function oneRecordFeed(action: FeedAction, record: XmlRecord) {
    const feedId = await api.submitFeed(action, feedXml('Product', [record]));
    return { response: { action, feedId } };
  }

  return {
    publish: feedsOnly,
    update: feedsOnly,

    /** Off sale at once: a one-record ProductUpdate (inactive, Quantity 0). Withdrawals normally travel in offer lots. */
    async deactivate(item: ItemRef) {
      return oneRecordFeed('ProductUpdate', withdrawRecord(item.marketplaceId));
    },

    /** Off Dafiti: a one-record ProductRemove. With `canDeactivate` the core withdraws instead; kept for operators' tools. */
    async delete(item: ItemRef) {
      return oneRecordFeed('ProductRemove', removeRecord(item.marketplaceId));
    },

    /**
     * A product lot → one ProductCreate feed; an offer lot → one ProductUpdate feed (and one Image feed for
     * the items with images). Records SellerCenter refuses at once (Format Error Detected names them by
     * SellerSku) are taken out and the rest sent again; they fail with SellerCenter's words. For a lot of
     * two feeds the FeedIds are kept in the plugin's state under the lot id, so a retried submission (a 429
     * or a lost answer on the second feed) does not send the first one twice.
     */
    async submitFeed(lot: Lot) {
      const now = Date.now();
      const records: Record<LotFeed, Array<{ skuId: string; sellerSku: string; record: XmlRecord }>> = { ProductCreate: [], ProductUpdate: [], Image: [] };
      const noImage: string[] = [];
      const aliases: Record<string, string> = {};
      for (const item of lot.items) {
        const payload = item.payload as DafitiPayload;
        const sellerSku = String(item.marketplaceId ?? payload.SellerSku ?? item.skuId);
        if (sellerSku !== item.skuId) aliases[sellerSku] = item.skuId;
        if (isWithdrawal(item)) {
          records.ProductUpdate.push({ skuId: item.skuId, sellerSku, record: withdrawRecord(sellerSku) });
          noImage.push(item.skuId);
        } else if (lot.operation === 'product') {
          records.ProductCreate.push({ skuId: item.skuId, sellerSku, record: productRecord(payload, sellerSku, { now, saleDays, update: false }) });
        } else {
          records.ProductUpdate.push({ skuId: item.skuId, sellerSku, record: productRecord(payload, sellerSku, { now, saleDays, update: true }) });
          const images = imagesOf(payload);
          if (images.length) records.Image.push({ skuId: item.skuId, sellerSku, record: imageRecord(sellerSku, images) });
          else noImage.push(item.skuId);
        }
      }
      // Only a lot of several feeds has anything to remember between attempts (a product lot is one feed).
      const stateKey = `lot:${lot.id}`;
      const remember = LOT_FEEDS.filter((action) => records[action].length).length > 1;
      const ref: DafitiFeedRef = (remember ? await ctx.state.get<DafitiFeedRef>(stateKey) : undefined) ?? { feeds: {} };
      const keep = () => (remember ? ctx.state.set(stateKey, ref, { ttlSeconds: SUBMISSION_TTL_SECONDS }) : undefined);
      if (noImage.length) ref.noImage = noImage;
      if (Object.keys(aliases).length) ref.aliases = aliases;

      for (const action of LOT_FEEDS) {
        if (ref.feeds[action] || !records[action].length) continue;
        const element = action === 'Image' ? 'ProductImage' : 'Product';
        // At most twice: once with every record, once more without those SellerCenter named in a Format Error.
        for (let attempt = 1; ; attempt++) {
          const pending = records[action].filter((r) => !ref.refused?.[r.skuId]);
          if (!pending.length) break;
          try {
            ref.feeds[action] = await api.submitFeed(action, feedXml(element, pending.map((r) => r.record)));
            await keep();
            break;
          } catch (error) {
            const problems = formatErrors(error);
            const bySellerSku = new Map(pending.map((r) => [r.sellerSku, r.skuId]));
            const named = problems.filter((p) => bySellerSku.has(String(p.SellerSku ?? '')));
            if (attempt > 1 || !named.length) throw error;
            ref.refused ??= {};
            for (const p of named) {
              const skuId = bySellerSku.get(String(p.SellerSku))!;
              const words = `${p.Field ?? 'field'}${p.Value ? ` "${p.Value}"` : ''}: ${p.Message ?? 'refused'}`;
              ref.refused[skuId] = ref.refused[skuId] ? `${ref.refused[skuId]}; ${words}` : sellerMessage(action, words);
            }
            await keep();
          }
        }
      }
      return { feedRef: JSON.stringify(ref) };
    },

    /**
     * Each feed of the lot with FeedStatus: not done while one is Queued or Processing; then every SKU of
     * the lot with its outcome (see lotResults). Without the lot (a probe of the credentials), only the
     * SKUs SellerCenter names.
     */
    async checkFeed(feedRef: string, lot?: FeedLotRef): Promise<FeedStatus> {
      const ref = parseFeedRef(feedRef);
      const details: Partial<Record<LotFeed, FeedDetail | undefined>> = {};
      const waiting: string[] = [];
      for (const action of LOT_FEEDS) {
        const feedId = ref.feeds[action];
        if (!feedId) continue;
        const detail = await api.feedStatus(feedId);
        details[action] = detail;
        if (detail && PENDING.has(detail.Status)) waiting.push(`${action} ${detail.Status}`);
      }
      if (waiting.length) return { done: false, status: waiting.join(', ') };
      const skuIds =
        lot?.skuIds ??
        [...new Set([...Object.keys(ref.refused ?? {}), ...Object.values(details).flatMap((d) => (d?.FeedErrors ?? []).map((e) => String(e.SellerSku ?? '')))])].filter(Boolean);
      return { done: true, results: lotResults(ref, details, skuIds) };
    },

    /** Price and stock as Dafiti holds them, in the payload's shape (`SalePrice`: what a buyer pays; `Quantity`: what is on sale). */
    async fetchRemoteState(items: RemoteStateQuery[]): Promise<RemoteState[]> {
      const now = Date.now();
      const found = new Map<string, SellerCenterProduct>();
      for (let i = 0; i < items.length; i += LOOKUP_MAX) {
        const chunk = items.slice(i, i + LOOKUP_MAX).map((q) => q.marketplaceId ?? q.skuId);
        for (const product of await api.products(chunk)) found.set(String(product.SellerSku), product);
      }
      return items.map((q) => {
        const product = found.get(q.marketplaceId ?? q.skuId);
        if (!product) return { skuId: q.skuId, found: false };
        const quantity = product.Status === 'active' ? Number(product.Quantity ?? 0) : 0;
        const price = sellingPriceOf(product, now);
        return { skuId: q.skuId, found: true, marketplaceId: String(product.SellerSku), fields: { Quantity: quantity, ...(price === undefined ? {} : { SalePrice: price }) } };
      });
    },
  };
}

export default definePlugin({ activate });
