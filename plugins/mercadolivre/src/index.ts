import {
  centsToDecimal,
  definePlugin,
  truncate,
  type Fix,
  type MapInput,
  type MapResult,
  type PluginContext,
  type RemoteState,
  type RemoteStateQuery,
} from '@connector/core/plugin';

/** Mercado Livre's title limit on MLB (categories' settings.max_title_length is 60 typically). */
export const MAX_TITLE = 60;
export const MAX_PICTURES = 10;

interface Settings {
  accessToken: string;
  currencyId: string;
  listingTypeId: string;
  buyingMode: string;
  condition: string;
}

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

/** VTEX snapshot → `POST /items` body. */
export function mapItem(input: MapInput, settings: Settings): MapResult {
  const { sku, offer } = input.snapshot;
  const fixes: Fix[] = [];
  const name = sku.NameComplete || [sku.ProductName, sku.SkuName].filter(Boolean).join(' ');
  if (!name) fixes.push({ field: 'NameComplete', rule: 'required', message: 'Give the product and SKU a name in the VTEX catalog.' });
  const pictures = (sku.Images ?? []).map((i) => ({ source: i.ImageUrl })).slice(0, MAX_PICTURES);
  if (!pictures.length) fixes.push({ field: 'Images', rule: 'minItems', message: 'Mercado Livre needs at least one image: add one to the SKU in VTEX.' });
  const price = centsToDecimal(offer.sellingPrice || offer.price);
  if (!(price > 0)) fixes.push({ field: 'price', rule: 'positive', message: 'Set a price above zero for the SKU in the trade policy.' });
  if (fixes.length) return { ok: false, fixes };

  const attributes = [
    { id: 'SELLER_SKU', value_name: String(sku.Id) },
    ...(sku.BrandName ? [{ id: 'BRAND', value_name: sku.BrandName }] : []),
    ...(sku.AlternateIds?.Ean ? [{ id: 'GTIN', value_name: sku.AlternateIds.Ean }] : []),
  ];
  return {
    ok: true,
    payload: {
      title: truncate(name, MAX_TITLE),
      category_id: input.marketplaceCategoryId,
      price,
      currency_id: settings.currencyId,
      available_quantity: offer.stock,
      buying_mode: settings.buyingMode,
      listing_type_id: settings.listingTypeId,
      condition: settings.condition,
      pictures,
      attributes,
      seller_custom_field: String(sku.Id),
    },
  };
}

export function activate(ctx: PluginContext) {
  const settings = ctx.settings as unknown as Settings;
  const headers = () => ({ authorization: `Bearer ${settings.accessToken}` });
  let userId: number | undefined;
  return {
    map: (input: MapInput) => mapItem(input, settings),

    async publish(item: { skuId: string; payload: Record<string, unknown> }) {
      const { body } = await ctx.http.request<MlItem>({ method: 'POST', url: 'items', headers: headers(), body: item.payload });
      return { marketplaceId: body.id, response: { id: body.id, status: body.status, permalink: body.permalink } };
    },

    /** Stock and price only: the title cannot change once the item has sold. */
    async update(item: { skuId: string; marketplaceId: string; payload: Record<string, unknown> }) {
      const { available_quantity, price } = item.payload;
      const { body } = await ctx.http.request<MlItem>({
        method: 'PUT',
        url: `items/${encodeURIComponent(item.marketplaceId)}`,
        headers: headers(),
        body: { available_quantity, price },
      });
      return { response: { id: body.id, status: body.status } };
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
          userId ??= (await ctx.http.request<{ id: number }>({ method: 'GET', url: 'users/me', headers: headers() })).body.id;
          const { body } = await ctx.http.request<{ results: string[] }>({
            method: 'GET',
            url: `users/${userId}/items/search?seller_sku=${encodeURIComponent(item.skuId)}`,
            headers: headers(),
          });
          if (body.results[0]) ids.set(item.skuId, body.results[0]);
        }
      }
      const found = new Map<string, MlItem>();
      const all = [...new Set(ids.values())];
      for (let i = 0; i < all.length; i += MULTIGET_MAX) {
        const chunk = all.slice(i, i + MULTIGET_MAX);
        const { body } = await ctx.http.request<Array<{ code: number; body: MlItem }>>({ method: 'GET', url: `items?ids=${chunk.map(encodeURIComponent).join(',')}`, headers: headers() });
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
