import { centsToDecimal, definePlugin, truncate, type Fix, type MapInput, type MapResult, type PluginContext } from '@connector/core/plugin';

/** Mercado Livre's title limit on MLB (categories' settings.max_title_length is 60 typically). */
export const MAX_TITLE = 60;
export const MAX_PICTURES = 10;

interface Settings {
  currencyId: string;
  listingTypeId: string;
  buyingMode: string;
  condition: string;
}

interface MlItem {
  id: string;
  status: string;
  permalink?: string;
}

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
  // The token is a secret: asked for per request (never copied into settings), so a refreshed one is used at once.
  const headers = async () => ({ authorization: `Bearer ${(await ctx.secrets.get('accessToken')) ?? ''}` });
  return {
    map: (input: MapInput) => mapItem(input, settings),

    async publish(item: { skuId: string; payload: Record<string, unknown> }) {
      const { body } = await ctx.http.request<MlItem>({ method: 'POST', url: 'items', headers: await headers(), body: item.payload });
      return { marketplaceId: body.id, response: { id: body.id, status: body.status, permalink: body.permalink } };
    },

    /** Stock and price only: the title cannot change once the item has sold. */
    async update(item: { skuId: string; marketplaceId: string; payload: Record<string, unknown> }) {
      const { available_quantity, price } = item.payload;
      const { body } = await ctx.http.request<MlItem>({
        method: 'PUT',
        url: `items/${encodeURIComponent(item.marketplaceId)}`,
        headers: await headers(),
        body: { available_quantity, price },
      });
      return { response: { id: body.id, status: body.status } };
    },
  };
}

export default definePlugin({ activate });
