/**
 * The Vendora Market plugin: it only speaks Vendora Market's API. The core builds each item's payload
 * from the manifest's fieldMappings (package.json), checks the registration rules, paces the calls to
 * the declared limits, retries, and keeps the state: the handlers below only send what they are given.
 */
import { definePlugin, type ExistingItem, type ItemRef, type PluginContext, type PublishedItem, type RemoteState, type RemoteStateQuery } from '@connector/core/plugin';
import { VendoraApi } from './vendora-api.js';

/** Fields Vendora Market takes on an update besides price and stock (always sent). */
const UPDATABLE = ['title', 'description', 'brand', 'gtin', 'category', 'images'] as const;

/** The most items one lookup asks for (Vendora Market's page size). */
const LOOKUP_MAX = 50;

export function activate(ctx: PluginContext) {
  const api = new VendoraApi(ctx);

  return {
    /** A SKU the marketplace does not have yet. */
    async publish(item: PublishedItem) {
      const created = await api.createItem(item.payload);
      return { marketplaceId: created.id, response: { id: created.id, status: created.status } };
    },

    /** Price and stock always; other fields only when they changed since the last delivery. */
    async update(item: ExistingItem) {
      const body: Record<string, unknown> = { price: item.payload.price, stock: item.payload.stock };
      for (const field of UPDATABLE) if ((item.changed ?? UPDATABLE).includes(field) && item.payload[field] !== undefined) body[field] = item.payload[field];
      if (item.reactivate) body.status = 'active';
      const updated = await api.updateItem(item.marketplaceId, body);
      return { response: { id: updated.id, status: updated.status } };
    },

    /** VTEX says the SKU is no longer sellable: stock 0 and inactive (it can come back). */
    async deactivate(item: ItemRef) {
      const updated = await api.updateItem(item.marketplaceId, { stock: 0, status: 'inactive' });
      return { response: { id: updated.id, status: updated.status } };
    },

    /** Price and stock as Vendora Market holds them (reconciliation), and items found by SKU when no id is known. */
    async fetchRemoteState(items: RemoteStateQuery[]): Promise<RemoteState[]> {
      const found: Awaited<ReturnType<VendoraApi['findItems']>> = [];
      for (let i = 0; i < items.length; i += LOOKUP_MAX) {
        const chunk = items.slice(i, i + LOOKUP_MAX);
        const ids = chunk.flatMap((q) => (q.marketplaceId ? [q.marketplaceId] : []));
        const skus = chunk.flatMap((q) => (q.marketplaceId ? [] : [q.skuId]));
        found.push(...(await api.findItems({ ids, skus })));
      }
      return items.map((q) => {
        const remote = found.find((f) => (q.marketplaceId ? f.id === q.marketplaceId : f.sku === q.skuId));
        return remote ? { skuId: q.skuId, found: true, marketplaceId: remote.id, fields: { price: remote.price, stock: remote.stock } } : { skuId: q.skuId, found: false };
      });
    },
  };
}

export default definePlugin({ activate });
