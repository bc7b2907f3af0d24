/**
 * Magazine Luiza (Magalu) — the seller portfolio API (`api.magalu.com/seller/v1/portfolios`), OAuth 2.0
 * with ID Magalu (Bearer JWT; rotating refresh tokens, kept by the plugin API's RotatingOAuthTokens).
 *
 * The core builds the payload from the manifest's fieldMappings: the SKU's catalogue fields, plus
 * `prices` and `stocks` in the shape of their own resources. One item is three resources at Magalu:
 * the SKU, its price and its stock, each written with its own call (POST creates, PATCH updates;
 * Magalu answers 202 and processes asynchronously).
 */
import {
  definePlugin,
  httpStatus as status,
  rewordRejection,
  RotatingOAuthTokens,
  type ExistingItem,
  type ItemRef,
  type PluginContext,
  type PublishedItem,
  type RemoteState,
  type RemoteStateQuery,
} from '@connector/core/plugin';

export const DEFAULT_TOKEN_URL = 'https://id.magalu.com/oauth/token';
const PORTFOLIO = 'seller/v1/portfolios';
/** Payload fields that belong to the SKU resource (PATCH /skus/{sku}); `sku` itself never changes. */
const CATALOG_FIELDS = ['title', 'description', 'brand', 'condition', 'channels', 'identifiers', 'images'] as const;

interface MagaluDetail {
  field?: string;
  message?: string;
}

interface Paged<T> {
  results: T[];
}

interface MagaluPrice {
  channel?: { id: string };
  price: number;
  list_price: number;
}

interface MagaluStock {
  channel?: { id: string } | null;
  quantity: number;
}

/** The payload's `identifiers` ({ ean: "789…" }, keyed by type) as Magalu's list [{ type, value }]. */
export function toSkuBody(payload: Record<string, unknown>): Record<string, unknown> {
  const { prices: _prices, stocks: _stocks, identifiers, ...sku } = payload;
  const byType = identifiers && typeof identifiers === 'object' ? (identifiers as Record<string, unknown>) : {};
  return {
    ...sku,
    identifiers: Object.entries(byType)
      .filter(([, value]) => typeof value === 'string' && value !== '')
      .map(([type, value]) => ({ type, value })),
  };
}

/** Magalu's refusal (`{slug, message, details:[{field, message}]}`) as the seller's message: every field problem, named. */
const sellerError = (error: unknown) =>
  rewordRejection<{ message?: string; details?: MagaluDetail[] }>(error, 'magalu', (body) => {
    const problems = (body?.details ?? []).map((d) => (d.field ? `${d.field}: ${d.message}` : String(d.message)));
    return problems.length ? problems.join('; ') : body?.message;
  });

export function activate(ctx: PluginContext) {
  const tokens = new RotatingOAuthTokens(ctx, {
    tokenUrl: String(ctx.settings.tokenUrl ?? DEFAULT_TOKEN_URL),
    displayName: 'Magalu',
    defaultExpiresInSeconds: 7200,
  });
  const channelId = String(ctx.settings.channelId);

  async function request<T = unknown>(method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown) {
    try {
      return await ctx.http.request<T>({ method, url, headers: { authorization: `Bearer ${await tokens.accessToken()}` }, body });
    } catch (error) {
      throw sellerError(error);
    }
  }

  /** POST, and PATCH when the resource is already there (409) — or the other way round (404). */
  async function write(path: string, body: Record<string, unknown>, first: 'POST' | 'PATCH') {
    try {
      await request(first, path, body);
    } catch (error) {
      const fallback = first === 'POST' ? (status(error) === 409 ? 'PATCH' : undefined) : status(error) === 404 ? 'POST' : undefined;
      if (!fallback) throw error;
      await request(fallback, path, body);
    }
  }

  const priceBody = (payload: Record<string, unknown>) => {
    const prices = payload.prices as { price: number; list_price: number };
    return { channel: { id: channelId }, currency: 'BRL', price: prices.price, list_price: prices.list_price, normalizer: 100 };
  };
  const stockBody = (quantity: number) => ({ quantity, type: 'AVAILABLE' });
  const writePrice = (sku: string, payload: Record<string, unknown>, first: 'POST' | 'PATCH') =>
    write(`${PORTFOLIO}/prices/${encodeURIComponent(sku)}`, priceBody(payload), first);
  const writeStock = (sku: string, quantity: number, first: 'POST' | 'PATCH') => write(`${PORTFOLIO}/stocks/${encodeURIComponent(sku)}`, stockBody(quantity), first);
  const stockOf = (payload: Record<string, unknown>) => (payload.stocks as { quantity: number }).quantity;

  return {
    /** The core calls this once when Magalu answers 401/403, then retries the call. */
    async refreshAuth() {
      await tokens.refresh();
    },

    /**
     * The SKU, then its price and stock. Each step tolerates an earlier attempt having done it (409 →
     * PATCH), so a retry after a 429 or a lost answer completes the item instead of failing on it.
     */
    async publish(item: PublishedItem) {
      const body = toSkuBody(item.payload);
      const sku = String(body.sku);
      let created = true;
      try {
        await request('POST', `${PORTFOLIO}/skus`, body);
      } catch (error) {
        if (status(error) !== 409) throw error;
        const { sku: _code, ...catalog } = body;
        await request('PATCH', `${PORTFOLIO}/skus/${encodeURIComponent(sku)}`, catalog);
        created = false;
      }
      await writePrice(sku, item.payload, 'POST');
      await writeStock(sku, stockOf(item.payload), 'POST');
      return { marketplaceId: sku, response: { sku, created } };
    },

    /** Only the resources whose fields changed (all of them when the core does not know); a reactivation sets active again. */
    async update(item: ExistingItem) {
      const all = item.changed === undefined;
      const changed = new Set(item.changed ?? []);
      const sku = item.marketplaceId;
      const body = toSkuBody(item.payload);
      const catalog: Record<string, unknown> = {};
      for (const field of CATALOG_FIELDS) if ((all || changed.has(field)) && body[field] !== undefined) catalog[field] = body[field];
      if (item.reactivate) catalog.active = true;
      const sent: string[] = [];
      if (Object.keys(catalog).length) {
        await request('PATCH', `${PORTFOLIO}/skus/${encodeURIComponent(sku)}`, catalog);
        sent.push('sku');
      }
      if (all || item.reactivate || changed.has('prices')) {
        await writePrice(sku, item.payload, 'PATCH');
        sent.push('price');
      }
      if (all || item.reactivate || changed.has('stocks') || !sent.length) {
        await writeStock(sku, stockOf(item.payload), 'PATCH');
        sent.push('stock');
      }
      return { response: { sku, sent } };
    },

    /** Stock 0, then the SKU inactive (Magalu documents no deactivation call: `active: false` is inferred). */
    async deactivate(item: ItemRef) {
      await writeStock(item.marketplaceId, 0, 'PATCH');
      await request('PATCH', `${PORTFOLIO}/skus/${encodeURIComponent(item.marketplaceId)}`, { active: false });
      return { response: { sku: item.marketplaceId, active: false } };
    },

    /**
     * Price and stock as Magalu holds them, in the payload's shape. Magalu keys items by the seller SKU,
     * so an item without a known id is looked up the same way. Two reads per item.
     */
    async fetchRemoteState(items: RemoteStateQuery[]): Promise<RemoteState[]> {
      const out: RemoteState[] = [];
      for (const item of items) {
        const sku = item.marketplaceId ?? item.skuId;
        let prices: Paged<MagaluPrice>;
        try {
          prices = (await request<Paged<MagaluPrice>>('GET', `${PORTFOLIO}/prices/${encodeURIComponent(sku)}`)).body;
        } catch (error) {
          if (status(error) === 404) {
            out.push({ skuId: item.skuId, found: false });
            continue;
          }
          throw error;
        }
        const stocks = (await request<Paged<MagaluStock>>('GET', `${PORTFOLIO}/stocks/${encodeURIComponent(sku)}`)).body;
        const price = prices.results.find((p) => p.channel?.id === channelId);
        const stock = stocks.results.find((s) => !s.channel || s.channel.id === channelId);
        out.push({
          skuId: item.skuId,
          found: true,
          marketplaceId: sku,
          fields: {
            ...(price && { prices: { price: price.price, list_price: price.list_price } }),
            ...(stock && { stocks: { quantity: stock.quantity } }),
          },
        });
      }
      return out;
    },
  };
}

export default definePlugin({ activate });
