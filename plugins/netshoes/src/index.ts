/**
 * Netshoes — marketplace API v2 (`/api/v2/products`), behind the static headers `client_id` and
 * `access_token`. An item is a product plus its price and its stock, each its own resource: POST
 * creates one that does not exist yet, PUT replaces it.
 *
 * The core builds the payload from the manifest's fieldMappings: the product's fields, plus `prices`
 * and `stocks` in the shape of their resources. The tokens are static: a refused one (401) pauses the
 * integration until new settings are given (runtime.updateIntegrationSettings).
 */
import {
  definePlugin,
  httpStatus as status,
  MarketplaceErrors,
  rewordRejection,
  type ExistingItem,
  type ItemRef,
  type PluginContext,
  type PublishedItem,
  type RemoteState,
  type RemoteStateQuery,
} from '@connector/core/plugin';

const PRODUCTS = 'api/v2/products';
/** Payload fields that are not the product resource's. */
const OFFER_FIELDS = new Set(['prices', 'stocks']);

/** Netshoes' error resource (`{type, description, notifications[]}`) as the seller's message: every notification. */
const sellerError = (error: unknown) =>
  rewordRejection<{ description?: string; notifications?: unknown[] }>(error, 'netshoes', (body) => {
    const notes = (body?.notifications ?? []).map(String).filter(Boolean);
    return notes.length ? `${body?.description ?? 'Invalid'}: ${notes.join('; ')}` : body?.description;
  });

/** The product resource's body: every product field of the payload (PUT replaces the whole product). */
export function productBody(payload: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(payload).filter(([key]) => !OFFER_FIELDS.has(key)));
}

export function activate(ctx: PluginContext) {
  /** The static `client_id` + `access_token` headers; the token is read per call, so new settings apply at once. */
  const headers = async () => {
    const accessToken = await ctx.secrets.get('accessToken');
    if (!accessToken) throw MarketplaceErrors.auth('netshoes', 'no access_token: set accessToken in the integration settings');
    return { client_id: String(ctx.settings.clientId), access_token: accessToken };
  };
  const request = async <T = unknown>(method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown) =>
    ctx.http.request<T>({ method, url, headers: await headers(), body }).catch((error: unknown) => Promise.reject(sellerError(error)));

  const path = (sku: string, sub = '') => `${PRODUCTS}/${encodeURIComponent(sku)}${sub}`;

  /** POST when there is no such resource yet; Netshoes answers 422 when there is, and then it is PUT. */
  async function create(sub: '/prices' | '/stocks', sku: string, body: unknown) {
    try {
      await request('POST', path(sku, sub), body);
    } catch (error) {
      if (status(error) !== 422) throw error;
      await request('PUT', path(sku, sub), body);
    }
  }

  return {
    /**
     * The product, then its price and stock. An earlier attempt may have created some of them (its
     * answer lost, or a 429 in between): then what exists is replaced instead, so a retry completes the item.
     */
    async publish(item: PublishedItem) {
      const product = productBody(item.payload);
      const sku = String(product.sku);
      try {
        await request('POST', PRODUCTS, product);
      } catch (error) {
        if (status(error) !== 422 || !(await exists(sku))) throw error;
        await request('PUT', path(sku), product);
      }
      await create('/prices', sku, item.payload.prices);
      await create('/stocks', sku, item.payload.stocks);
      return { marketplaceId: sku, response: { sku } };
    },

    /** The product (whole: PUT replaces it) when a catalogue field changed, the price and the stock when theirs did. */
    async update(item: ExistingItem) {
      const all = item.changed === undefined;
      const changed = new Set(item.changed ?? []);
      const sku = item.marketplaceId;
      const sent: string[] = [];
      if (all || [...changed].some((field) => !OFFER_FIELDS.has(field))) {
        await request('PUT', path(sku), productBody(item.payload));
        sent.push('product');
      }
      if (all || changed.has('prices')) {
        await request('PUT', path(sku, '/prices'), item.payload.prices);
        sent.push('prices');
      }
      if (all || item.reactivate || changed.has('stocks') || !sent.length) {
        await request('PUT', path(sku, '/stocks'), item.payload.stocks);
        sent.push('stocks');
      }
      return { response: { sku, sent } };
    },

    /** API v2 has no deactivation: a stock of 0 takes the offer off sale (it comes back with stock). */
    async deactivate(item: ItemRef) {
      await request('PUT', path(item.marketplaceId, '/stocks'), { available: 0 });
      return { response: { sku: item.marketplaceId, available: 0 } };
    },

    /** Price and stock as Netshoes holds them (two reads), in the payload's shape; Netshoes keys products by the seller SKU. */
    async fetchRemoteState(items: RemoteStateQuery[]): Promise<RemoteState[]> {
      const out: RemoteState[] = [];
      for (const item of items) {
        const sku = item.marketplaceId ?? item.skuId;
        let prices: { listPrice: number; salePrice: number };
        try {
          prices = (await request<{ listPrice: number; salePrice: number }>('GET', path(sku, '/prices'))).body;
        } catch (error) {
          // No product, or a product whose creation stopped before its price: not an item to adopt.
          if (status(error) === 404) {
            out.push({ skuId: item.skuId, found: false });
            continue;
          }
          throw error;
        }
        let available: number | undefined;
        try {
          available = (await request<{ available: number }>('GET', path(sku, '/stocks'))).body.available;
        } catch (error) {
          if (status(error) !== 404) throw error;
        }
        out.push({
          skuId: item.skuId,
          found: true,
          marketplaceId: sku,
          fields: { prices: { listPrice: prices.listPrice, salePrice: prices.salePrice }, ...(available !== undefined && { stocks: { available } }) },
        });
      }
      return out;
    },
  };

  function exists(sku: string): Promise<boolean> {
    return request('GET', path(sku)).then(
      () => true,
      (error: unknown) => (status(error) === 404 ? false : Promise.reject(error)),
    );
  }
}

export default definePlugin({ activate });
