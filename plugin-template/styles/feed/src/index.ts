/**
 * The Vendora Market plugin, feed style: Vendora Market takes items in feeds (lots of up to 100
 * entries, processed asynchronously). The core groups SKUs into lots within the manifest's `batch`
 * limits, calls `submitFeed` for each lot, polls `checkFeed` with a growing wait until the lot is
 * processed, and applies each item's outcome to the SKU's state. The handlers only speak the API.
 */
import {
  definePlugin,
  MarketplaceErrors,
  type FeedStatus,
  type ItemRef,
  type Lot,
  type PluginContext,
  type RemoteState,
  type RemoteStateQuery,
} from '@connector/core/plugin';
import { VendoraApi } from './vendora-api.js';

/** The most items one lookup asks for (Vendora Market's page size). */
const LOOKUP_MAX = 50;

export function activate(ctx: PluginContext) {
  const api = new VendoraApi(ctx);
  // In feed mode the core sends every item in lots; it never calls publish or update for one item.
  const feedsOnly = async (): Promise<never> => {
    throw MarketplaceErrors.rejected(ctx.marketplace, 'Vendora Market takes items in feeds only');
  };

  return {
    publish: feedsOnly,
    update: feedsOnly,

    /**
     * The manifest says `canDeactivate`: one SKU taken off sale at once, as a one-entry feed (stock 0,
     * inactive). Withdrawals also travel in lots (an empty payload, below).
     */
    async deactivate(item: ItemRef) {
      const feed = await api.submitFeed([{ sku: item.skuId, stock: 0, status: 'inactive' }]);
      return { response: { feedId: feed.id } };
    },

    /** One lot → one feed. A SKU the core withdraws (VTEX no longer sells it) comes with `withdraw: true` (and an empty payload): it is deactivated. */
    async submitFeed(lot: Lot) {
      const entries = lot.items.map((item) => (item.withdraw ? { sku: item.skuId, stock: 0, status: 'inactive' } : { ...item.payload, sku: item.skuId }));
      const feed = await api.submitFeed(entries);
      return { feedRef: feed.id };
    },

    /** Not processed yet, or each entry's outcome (a refusal's message is shown to the seller). */
    async checkFeed(feedRef: string): Promise<FeedStatus> {
      const feed = await api.getFeed(feedRef);
      if (feed.status !== 'done') return { done: false, status: feed.status };
      return {
        done: true,
        results: (feed.results ?? []).map((r) => ({ skuId: r.sku, ok: r.ok, ...(r.itemId ? { marketplaceId: r.itemId } : {}), ...(r.error ? { message: r.error } : {}) })),
      };
    },

    /** Price and stock as Vendora Market holds them (reconciliation). */
    async fetchRemoteState(items: RemoteStateQuery[]): Promise<RemoteState[]> {
      const found: Awaited<ReturnType<VendoraApi['findItems']>> = [];
      for (let i = 0; i < items.length; i += LOOKUP_MAX) {
        const chunk = items.slice(i, i + LOOKUP_MAX);
        found.push(...(await api.findItems({ ids: chunk.flatMap((q) => (q.marketplaceId ? [q.marketplaceId] : [])), skus: chunk.flatMap((q) => (q.marketplaceId ? [] : [q.skuId])) })));
      }
      return items.map((q) => {
        const remote = found.find((f) => (q.marketplaceId ? f.id === q.marketplaceId : f.sku === q.skuId));
        return remote ? { skuId: q.skuId, found: true, marketplaceId: remote.id, fields: { price: remote.price, stock: remote.stock } } : { skuId: q.skuId, found: false };
      });
    },
  };
}

export default definePlugin({ activate });
