/**
 * B2W / Americanas — SkyHub's products API (`api.skyhub.com.br`), behind three static headers
 * (`X-User-Email`, `X-Api-Key`, `X-Accountmanager-Key`). A product carries its own stock and prices:
 * `POST /products {"product": …}` creates it, `PUT /products/{sku} {"product": …}` changes only the
 * fields sent (204), status `disabled` takes it off sale.
 *
 * The core builds the payload from the manifest's fieldMappings (with the brand id and the category
 * attributes the 2025 rules require); the registration rules keep a price of 0 from ever being sent.
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

/** Sent on every update: SkyHub's price and stock ride in the product. */
const OFFER_FIELDS = ['qty', 'price', 'promotional_price'] as const;

interface SkyhubProduct {
  sku: string;
  status: string;
  qty: number;
  price: number;
  promotional_price: number;
}

/** SkyHub answers `{error: "…"}` (every problem in one message): that message is the seller's. */
const sellerError = (error: unknown) => rewordRejection<{ error?: string }>(error, 'skyhub', (body) => body?.error);

export function activate(ctx: PluginContext) {
  async function request<T = unknown>(method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown) {
    const [apiKey, accountManagerKey] = await Promise.all([ctx.secrets.get('apiKey'), ctx.secrets.get('accountManagerKey')]);
    if (!apiKey || !accountManagerKey) throw MarketplaceErrors.auth('skyhub', 'set apiKey and accountManagerKey in the integration settings');
    const headers = { 'x-user-email': String(ctx.settings.userEmail), 'x-api-key': apiKey, 'x-accountmanager-key': accountManagerKey };
    try {
      return await ctx.http.request<T>({ method, url, headers, body });
    } catch (error) {
      throw sellerError(error);
    }
  }
  const product = (sku: string) => `products/${encodeURIComponent(sku)}`;
  const put = (sku: string, fields: Record<string, unknown>) => request('PUT', product(sku), { product: fields });

  const exists = (sku: string): Promise<boolean> =>
    request('GET', product(sku)).then(
      () => true,
      (error: unknown) => (status(error) === 404 ? false : Promise.reject(error)),
    );

  return {
    /** POST; when an earlier attempt already created it (SkyHub answers 422), the same data as a PUT. */
    async publish(item: PublishedItem) {
      const sku = String(item.payload.sku);
      try {
        await request('POST', 'products', { product: item.payload });
      } catch (error) {
        if (status(error) !== 422 || !(await exists(sku))) throw error;
        const { sku: _sku, ...fields } = item.payload;
        await put(sku, fields);
      }
      return { marketplaceId: sku, response: { sku } };
    },

    /** The fields that changed (all when the core does not know), and always stock and prices; a reactivation enables it again. */
    async update(item: ExistingItem) {
      const { sku: _sku, ...payload } = item.payload;
      const fields: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(payload)) if (item.changed === undefined || item.changed.includes(key)) fields[key] = value;
      for (const key of OFFER_FIELDS) fields[key] = payload[key];
      if (item.reactivate) fields.status = 'enabled';
      await put(item.marketplaceId, fields);
      return { response: { sku: item.marketplaceId, sent: Object.keys(fields) } };
    },

    /** Off sale: status disabled and no stock (SkyHub's disabling by status is inferred, see the README). */
    async deactivate(item: ItemRef) {
      await put(item.marketplaceId, { status: 'disabled', qty: 0 });
      return { response: { sku: item.marketplaceId, status: 'disabled' } };
    },

    /** Stock and prices as SkyHub holds them (one read per item); SkyHub keys products by the seller SKU. */
    async fetchRemoteState(items: RemoteStateQuery[]): Promise<RemoteState[]> {
      const out: RemoteState[] = [];
      for (const item of items) {
        const sku = item.marketplaceId ?? item.skuId;
        try {
          const { body } = await request<SkyhubProduct>('GET', product(sku));
          out.push({ skuId: item.skuId, found: true, marketplaceId: body.sku, fields: { qty: body.qty, price: body.price, promotional_price: body.promotional_price } });
        } catch (error) {
          if (status(error) !== 404) throw error;
          out.push({ skuId: item.skuId, found: false });
        }
      }
      return out;
    },
  };
}

export default definePlugin({ activate });
