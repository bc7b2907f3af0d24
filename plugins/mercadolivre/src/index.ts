import {
  ConnectorError,
  definePlugin,
  type ExistingItem,
  type ItemRef,
  type PluginContext,
  type PublishedItem,
  type RemoteState,
  type RemoteStateQuery,
} from '@connector/core/plugin';
import { TokenSource } from './oauth.js';

export { OAUTH_STATE_KEY, REFRESH_MARGIN_MS, type StoredTokens, TokenSource } from './oauth.js';

/** Mercado Livre's title limit on MLB (categories' settings.max_title_length is 60 typically). */
export const MAX_TITLE = 60;
export const MAX_PICTURES = 10;

interface MlItem {
  id: string;
  status: string;
  permalink?: string;
  price?: number;
  available_quantity?: number;
  sub_status?: string[];
}

/** Ids per multiget call (ML's limit). */
const MULTIGET_MAX = 20;

/**
 * The core builds the payload from this plugin's `fieldMappings` (package.json); attributes come
 * keyed by id (`attributes.BRAND`), and Mercado Livre wants them as `[{ id, value_name }]`.
 */
export function toMlBody(payload: Record<string, unknown>): Record<string, unknown> {
  const { attributes, ...rest } = payload;
  if (!attributes || typeof attributes !== 'object' || Array.isArray(attributes)) return payload;
  return {
    ...rest,
    attributes: Object.entries(attributes as Record<string, unknown>).map(([id, value]) => ({ id, value_name: String(value) })),
  };
}

/** Fields PUT /items/{id} accepts that the payload may carry, besides price and stock (always sent). */
const UPDATABLE = ['title', 'pictures', 'attributes'] as const;

function titleFrozen(error: unknown): boolean {
  const body = (error instanceof ConnectorError ? error.details : undefined) as { body?: { cause?: Array<{ code?: string }> } } | undefined;
  return Boolean(body?.body?.cause?.some((c) => c?.code === 'item.title.not_modifiable'));
}

export function activate(ctx: PluginContext) {
  // Asked for per request (never copied into settings), so a refreshed token is used at once.
  const tokens = new TokenSource(ctx);
  const headers = async () => ({ authorization: `Bearer ${await tokens.accessToken()}` });
  const put = async (marketplaceId: string, body: Record<string, unknown>) =>
    ctx.http.request<MlItem>({ method: 'PUT', url: `items/${encodeURIComponent(marketplaceId)}`, headers: await headers(), body });
  let userId: number | undefined;

  return {
    /** The core calls this once when Mercado Livre answers 401/403, then retries the call. */
    async refreshAuth() {
      await tokens.refresh();
    },

    async publish(item: PublishedItem) {
      const { body } = await ctx.http.request<MlItem>({ method: 'POST', url: 'items', headers: await headers(), body: toMlBody(item.payload) });
      return { marketplaceId: body.id, response: { id: body.id, status: body.status, permalink: body.permalink } };
    },

    /**
     * Price and stock on every update; title, pictures and attributes only when they changed.
     * Mercado Livre freezes the title once the item has sold: then the rest goes without it.
     */
    async update(item: ExistingItem) {
      const payload = toMlBody(item.payload);
      const body: Record<string, unknown> = { available_quantity: payload.available_quantity, price: payload.price };
      for (const field of UPDATABLE) if (item.changed?.includes(field) && payload[field] !== undefined) body[field] = payload[field];
      if (item.reactivate) body.status = 'active';
      try {
        const { body: answer } = await put(item.marketplaceId, body);
        return { response: { id: answer.id, status: answer.status } };
      } catch (error) {
        if (!('title' in body) || !titleFrozen(error)) throw error;
        const { title: _frozen, ...rest } = body;
        const { body: answer } = await put(item.marketplaceId, rest);
        return { response: { id: answer.id, status: answer.status, titleKept: true } };
      }
    },

    /** VTEX says the SKU is no longer sellable: zero stock and pause the listing (it can come back). */
    async deactivate(item: ItemRef) {
      const { body } = await put(item.marketplaceId, { available_quantity: 0, status: 'paused' });
      return { response: { id: body.id, status: body.status } };
    },

    /** Close, then delete (Mercado Livre deletes only closed items). */
    async delete(item: ItemRef) {
      await put(item.marketplaceId, { status: 'closed' });
      const { body } = await put(item.marketplaceId, { deleted: 'true' });
      return { response: { id: body.id, status: body.status, deleted: true } };
    },

    /**
     * Price and stock as ML holds them (multiget, 20 ids a call); items without a known id are found
     * by seller SKU first. Closed or deleted items count as not found.
     */
    async fetchRemoteState(items: RemoteStateQuery[]): Promise<RemoteState[]> {
      const ids = new Map<string, string>();
      for (const item of items) {
        if (item.marketplaceId) ids.set(item.skuId, item.marketplaceId);
        else {
          userId ??= (await ctx.http.request<{ id: number }>({ method: 'GET', url: 'users/me', headers: await headers() })).body.id;
          const { body } = await ctx.http.request<{ results: string[] }>({
            method: 'GET',
            url: `users/${userId}/items/search?seller_sku=${encodeURIComponent(item.skuId)}`,
            headers: await headers(),
          });
          if (body.results[0]) ids.set(item.skuId, body.results[0]);
        }
      }
      const found = new Map<string, MlItem>();
      const all = [...new Set(ids.values())];
      for (let i = 0; i < all.length; i += MULTIGET_MAX) {
        const chunk = all.slice(i, i + MULTIGET_MAX);
        const { body } = await ctx.http.request<Array<{ code: number; body: MlItem }>>({ method: 'GET', url: `items?ids=${chunk.map(encodeURIComponent).join(',')}`, headers: await headers() });
        for (const entry of body) if (entry.code === 200 && entry.body.status !== 'closed' && !entry.body.sub_status?.includes('deleted')) found.set(entry.body.id, entry.body);
      }
      return items.map((item) => {
        const remote = found.get(ids.get(item.skuId) ?? '');
        return remote
          ? { skuId: item.skuId, found: true, marketplaceId: remote.id, fields: { price: remote.price, available_quantity: remote.available_quantity } }
          : { skuId: item.skuId, found: false };
      });
    },
  };
}

export default definePlugin({ activate });
