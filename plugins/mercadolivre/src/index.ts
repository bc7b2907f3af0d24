import { ConnectorError, definePlugin, type ExistingItem, type ItemRef, type PluginContext, type PublishedItem } from '@connector/core/plugin';

/** Mercado Livre's title limit on MLB (categories' settings.max_title_length is 60 typically). */
export const MAX_TITLE = 60;
export const MAX_PICTURES = 10;

interface Settings {
  accessToken: string;
}

interface MlItem {
  id: string;
  status: string;
  permalink?: string;
}

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
  const settings = ctx.settings as unknown as Settings;
  const headers = () => ({ authorization: `Bearer ${settings.accessToken}` });
  const put = (marketplaceId: string, body: Record<string, unknown>) =>
    ctx.http.request<MlItem>({ method: 'PUT', url: `items/${encodeURIComponent(marketplaceId)}`, headers: headers(), body });

  return {
    async publish(item: PublishedItem) {
      const { body } = await ctx.http.request<MlItem>({ method: 'POST', url: 'items', headers: headers(), body: toMlBody(item.payload) });
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
  };
}

export default definePlugin({ activate });
