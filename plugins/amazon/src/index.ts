/**
 * Amazon — Selling Partner API: Login with Amazon (LWA) tokens, Listings Items 2021-08-01 for small lots and
 * JSON_LISTINGS_FEED (Feeds 2021-06-30) for large ones.
 *
 * The manifest says `mode: feed` with `perItemBelow`: the core sends a lot with fewer items than that through the item
 * handlers below (publish = PUT, update = PATCH, deactivate = PATCH stock 0, delete = DELETE, each on its own rate
 * budget), and a larger one through submitFeed (one JSON_LISTINGS_FEED, at most 5 every 5 minutes). Amazon does not
 * need the product before the offer: a PUT (or an UPDATE message) with every attribute creates the listing with its
 * price and stock, so every lot is an `upsert`.
 *
 * The seller SKU is the VTEX SKU id; the connector's id for a listing is `<productType>:<seller SKU>` (attributes.ts).
 */
import { definePlugin, MarketplaceErrors, type ExistingItem, type FeedItemResult, type FeedStatus, type ItemRef, type Lot, type PluginContext, type FeedLotRef, type PublishedItem, type RemoteState, type RemoteStateQuery } from '@connector/core/plugin';
import {
  deactivationPatches,
  feedDocument,
  listingId,
  parseListingId,
  partialUpdateMessage,
  patchBody,
  putBody,
  toPatches,
  updateMessage,
  withdrawMessage,
  type AttributeContext,
  type FeedMessage,
} from './attributes.js';
import { describeFatal, describeIssues } from './issues.js';
import { LwaTokens, SpApi, type AmazonIssue, type ListingItem, type SubmissionResponse } from './sp-api.js';

export * from './attributes.js';
export { describeFatal, describeIssue, describeIssues } from './issues.js';
export { DEFAULT_API_BASE_URL, DEFAULT_TOKEN_URL, FEED_CONTENT_TYPE } from './sp-api.js';

/** Amazon: a JSON_LISTINGS_FEED holds at most 25,000 messages… */
export const MAX_FEED_MESSAGES = 25_000;
/** …and must be smaller than 10 MiB. */
export const MAX_FEED_BYTES = 10 * 1024 * 1024 - 1;
/** How long the feed a lot became is remembered, so a retried submission does not send the same lot twice. */
const SUBMITTED_TTL_SECONDS = 3 * 24 * 3600;

const bySkuId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The messages of a lot's feed document, numbered 1… in the order of the items' VTEX SKU ids — an order checkFeed can
 * rebuild from the lot's skuIds alone — and cut where the next message would take the document to 10 MiB or past
 * 25,000 messages (the items left out get no result and the core sends them in its next lot).
 */
export function buildFeed(lot: Pick<Lot, 'items'>, sellerId: string, c: AttributeContext, issueLocale?: string): { document: string; messages: FeedMessage[]; skuIds: string[] } {
  const items = [...lot.items].sort((a, b) => bySkuId(a.skuId, b.skuId));
  const envelope = JSON.stringify(feedDocument(sellerId, [], issueLocale));
  let bytes = Buffer.byteLength(envelope);
  const messages: FeedMessage[] = [];
  const parts: string[] = [];
  const skuIds: string[] = [];
  for (const item of items) {
    if (messages.length === MAX_FEED_MESSAGES) break;
    const messageId = messages.length + 1;
    const message = messageFor(messageId, item, c);
    const json = JSON.stringify(message);
    const added = Buffer.byteLength(json) + (parts.length ? 1 : 0);
    if (bytes + added > MAX_FEED_BYTES) break;
    bytes += added;
    messages.push(message);
    parts.push(json);
    skuIds.push(item.skuId);
  }
  const document = `${envelope.slice(0, -2)}${parts.join(',')}]}`;
  return { document, messages, skuIds };
}

function messageFor(messageId: number, item: Lot['items'][number] & { withdraw?: boolean }, c: AttributeContext): FeedMessage {
  const ref = item.marketplaceId ? parseListingId(item.marketplaceId) : undefined;
  if (item.withdraw || Object.keys(item.payload).length === 0) {
    if (!ref) throw MarketplaceErrors.rejected('amazon', `SKU ${item.skuId} cannot be taken off sale: the connector has no Amazon listing id for it`);
    return withdrawMessage(messageId, ref.sku, ref.productType, c);
  }
  return ref ? partialUpdateMessage(messageId, item.payload, c) : updateMessage(messageId, item.payload, c);
}

/** feedRef = the feedId, plus `#<n>` when only the first n items (in skuId order) fit in the document. */
function feedRef(feedId: string, included: number, total: number): string {
  return included < total ? `${feedId}#${included}` : feedId;
}

function parseFeedRef(ref: string): { feedId: string; included?: number } {
  const [feedId, n] = ref.split('#');
  return { feedId: feedId!, ...(n !== undefined && { included: Number(n) }) };
}

/** Each item of the lot the feed carried, with Amazon's outcome: ERROR issues fail it (all of them named), otherwise it is accepted. */
export function resultsFromReport(
  report: { issues?: AmazonIssue[]; items?: { sku: string; summaries?: { productType?: string }[] }[] },
  skuIds: readonly string[],
): FeedItemResult[] {
  const errors = new Map<string, AmazonIssue[]>();
  for (const issue of report.issues ?? []) {
    if (issue.severity !== 'ERROR') continue;
    const skuId = issue.messageId !== undefined ? skuIds[issue.messageId - 1] : issue.sku !== undefined && skuIds.includes(issue.sku) ? issue.sku : undefined;
    if (skuId === undefined) continue;
    errors.set(skuId, [...(errors.get(skuId) ?? []), issue]);
  }
  const productTypes = new Map((report.items ?? []).map((i) => [i.sku, i.summaries?.find((s) => s.productType)?.productType]));
  return skuIds.map((skuId) => {
    const refused = errors.get(skuId);
    if (refused) return { skuId, ok: false, message: describeIssues(refused) };
    const productType = productTypes.get(skuId);
    return { skuId, ok: true, ...(productType && { marketplaceId: listingId(productType, skuId) }) };
  });
}

/** Price and stock as the listing holds them, in the payload's words. */
export function remoteFields(item: ListingItem, fulfillmentChannelCode: string): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  const offer = item.attributes?.purchasable_offer?.[0] as { our_price?: { schedule?: { value_with_tax?: unknown }[] }[] } | undefined;
  const price = offer?.our_price?.[0]?.schedule?.[0]?.value_with_tax;
  if (typeof price === 'number') fields.price = price;
  const stock = item.attributes?.fulfillment_availability?.find((e) => e.fulfillment_channel_code === fulfillmentChannelCode);
  if (typeof stock?.quantity === 'number') fields.quantity = stock.quantity;
  return fields;
}

export function activate(ctx: PluginContext) {
  const tokens = new LwaTokens(ctx);
  const api = new SpApi(ctx, tokens);
  const c: AttributeContext = {
    marketplaceId: api.marketplaceId,
    languageTag: String(ctx.settings.languageTag ?? 'pt_BR'),
    fulfillmentChannelCode: 'DEFAULT',
  };
  const issueLocale = typeof ctx.settings.issueLocale === 'string' ? ctx.settings.issueLocale : undefined;

  /** ACCEPTED, or the seller's message built from every ERROR issue (a final refusal). */
  function accepted(response: SubmissionResponse): SubmissionResponse {
    if (response.status !== 'ACCEPTED') throw MarketplaceErrors.rejected('amazon', describeIssues(response.issues ?? []), response);
    const warnings = (response.issues ?? []).filter((i) => i.severity === 'WARNING').length;
    if (warnings) ctx.log.info('Amazon accepted the listing with warnings', { sku: response.sku, warnings });
    return response;
  }

  /** The listing's product type and seller SKU from the connector's id; a read from Amazon for an id without them. */
  async function listingOf(marketplaceId: string): Promise<{ productType: string; sku: string }> {
    const ref = parseListingId(marketplaceId);
    if (ref) return ref;
    const item = await api.getListingsItem(marketplaceId);
    const productType = item?.summaries?.find((s) => s.productType)?.productType;
    if (!productType) throw MarketplaceErrors.rejected('amazon', `Amazon has no listing with seller SKU ${marketplaceId}`);
    return { productType, sku: marketplaceId };
  }

  const response = (r: SubmissionResponse) => ({ sku: r.sku, status: r.status, submissionId: r.submissionId });

  return {
    async refreshAuth() {
      await tokens.refresh();
    },

    /** PUT with every attribute (requirements LISTING): creates the listing with its price and stock. */
    async publish(item: PublishedItem) {
      const sku = String(item.payload.sku);
      const body = putBody(item.payload, c);
      const r = accepted(await api.putListingsItem(sku, body));
      return { marketplaceId: listingId(body.productType, sku), response: response(r) };
    },

    /**
     * PATCH ("replace") of the attributes whose payload fields changed — only the stock for a stock change, only the
     * offer for a price change — or of every attribute when the core does not say (a small lot's items); a
     * reactivation always carries the stock again.
     */
    async update(item: ExistingItem) {
      const ref = await listingOf(item.marketplaceId);
      const keys = item.changed === undefined ? undefined : [...new Set([...item.changed, ...(item.reactivate ? ['quantity'] : [])])];
      const patches = toPatches(item.payload, c, keys);
      if (!patches.length) return { response: { sku: ref.sku, sent: [] } };
      const r = accepted(await api.patchListingsItem(ref.sku, patchBody(String(item.payload.productType ?? ref.productType), patches)));
      return { response: { ...response(r), sent: patches.map((p) => p.path.replace('/attributes/', '')) } };
    },

    /** Off sale: PATCH the stock to 0 (the listing and its catalogue data stay, ready to be put back). */
    async deactivate(item: ItemRef) {
      const ref = await listingOf(item.marketplaceId);
      const r = accepted(await api.patchListingsItem(ref.sku, patchBody(ref.productType, deactivationPatches(c))));
      return { response: response(r) };
    },

    async delete(item: ItemRef) {
      const sku = parseListingId(item.marketplaceId)?.sku ?? item.marketplaceId;
      const r = accepted(await api.deleteListingsItem(sku));
      return { response: response(r) };
    },

    /** One lot → one JSON_LISTINGS_FEED: createFeedDocument, upload, createFeed. */
    async submitFeed(lot: Lot) {
      const key = `lot-feed:${lot.id}`;
      const already = await ctx.state.get<string>(key);
      if (already) return { feedRef: already };
      const { document, messages } = buildFeed(lot, api.sellerId, c, issueLocale);
      if (!messages.length) throw MarketplaceErrors.rejected('amazon', 'the first item of the lot alone makes a feed document of 10 MiB or more');
      const feedId = await api.submitListingsFeed(document);
      const ref = feedRef(feedId, messages.length, lot.items.length);
      await ctx.state.set(key, ref, { ttlSeconds: SUBMITTED_TTL_SECONDS });
      if (messages.length < lot.items.length) ctx.log.info('lot larger than one feed document: the rest goes in the next lot', { lot: lot.id, sent: messages.length, items: lot.items.length });
      return { feedRef: ref };
    },

    /**
     * getFeed until DONE, FATAL or CANCELLED; then the processing report: each message's ERROR issues fail its SKU
     * (messageId → the lot's skuIds in the order submitFeed numbered them), the rest are accepted. FATAL: nothing was
     * applied, every item fails with Amazon's reason. CANCELLED: no results, so the core sends the items again.
     */
    async checkFeed(ref: string, lot?: FeedLotRef): Promise<FeedStatus> {
      const { feedId, included } = parseFeedRef(ref);
      const feed = await api.getFeed(feedId);
      if (feed.processingStatus === 'IN_QUEUE' || feed.processingStatus === 'IN_PROGRESS') return { done: false, status: feed.processingStatus };
      if (feed.processingStatus === 'CANCELLED' || !lot) return { done: true, results: [] };
      const skuIds = [...lot.skuIds].sort(bySkuId).slice(0, included ?? MAX_FEED_MESSAGES);
      const report = feed.resultFeedDocumentId ? await api.processingReport(feed.resultFeedDocumentId) : {};
      if (feed.processingStatus === 'FATAL') {
        const message = describeFatal(feedId, report.issues ?? []);
        return { done: true, results: skuIds.map((skuId) => ({ skuId, ok: false, message })) };
      }
      return { done: true, results: resultsFromReport(report, skuIds) };
    },

    /** Price and stock as Amazon holds them (reconciliation), and the lookup by seller SKU of a create whose answer was lost. */
    async fetchRemoteState(items: RemoteStateQuery[]): Promise<RemoteState[]> {
      const out: RemoteState[] = [];
      for (const q of items) {
        const sku = q.marketplaceId ? (parseListingId(q.marketplaceId)?.sku ?? q.marketplaceId) : q.skuId;
        const item = await api.getListingsItem(sku);
        const productType = item?.summaries?.find((s) => s.productType)?.productType;
        if (!item || !productType) {
          out.push({ skuId: q.skuId, found: false });
          continue;
        }
        out.push({ skuId: q.skuId, found: true, marketplaceId: listingId(productType, sku), fields: remoteFields(item, c.fulfillmentChannelCode) });
      }
      return out;
    },
  };
}

export default definePlugin({ activate });
