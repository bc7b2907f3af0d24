/**
 * Vendora Market's API as this plugin uses it: paths, bodies and answers. Every request goes through
 * `ctx.http` — the plugin's only way out — which resolves paths against the integration's `apiBaseUrl`
 * setting, refuses hosts the manifest does not allow, and turns error answers into the errors the core
 * acts on (429 → waited out, 401/403 → credentials, 5xx → retried, other 4xx → shown to the seller).
 */
import type { HttpRequest, HttpResponse, PluginContext } from '@connector/core/plugin';

/** An item as Vendora Market returns it. */
export interface VendoraItem {
  id: string;
  sku: string;
  status: 'active' | 'inactive';
  price: { amount: number; currency: string };
  stock: number;
}

export class VendoraApi {
  constructor(private readonly ctx: PluginContext) {}


  /** One call, with the seller's API key (a secret: asked for per call, never kept) and seller id. */
  protected async request<T>(method: HttpRequest['method'], url: string, body?: unknown): Promise<HttpResponse<T>> {
    const headers = { authorization: `Bearer ${await this.ctx.secrets.get('apiKey')}`, 'x-seller-id': String(this.ctx.settings.sellerId) };
    return this.ctx.http.request<T>({ method, url, headers, ...(body === undefined ? {} : { body }) });
  }

  async createItem(body: Record<string, unknown>): Promise<VendoraItem> {
    return (await this.request<VendoraItem>('POST', 'v1/items', body)).body;
  }

  async updateItem(id: string, body: Record<string, unknown>): Promise<VendoraItem> {
    return (await this.request<VendoraItem>('PATCH', `v1/items/${encodeURIComponent(id)}`, body)).body;
  }

  /** Items by Vendora id, or by the seller's SKU when no id is known. */
  async findItems(query: { ids?: string[]; skus?: string[] }): Promise<VendoraItem[]> {
    const params = new URLSearchParams();
    if (query.ids?.length) params.set('ids', query.ids.join(','));
    if (query.skus?.length) params.set('skus', query.skus.join(','));
    return (await this.request<{ items: VendoraItem[] }>('GET', `v1/items?${params}`)).body.items;
  }

  /** Feeds (up to 100 entries, each an item upsert by SKU): how the feed style sends lots. */
  async submitFeed(entries: Array<Record<string, unknown>>): Promise<VendoraFeed> {
    return (await this.request<VendoraFeed>('POST', 'v1/feeds', { entries })).body;
  }

  async getFeed(id: string): Promise<VendoraFeed> {
    return (await this.request<VendoraFeed>('GET', `v1/feeds/${encodeURIComponent(id)}`)).body;
  }
}

/** A feed as Vendora Market returns it. */
export interface VendoraFeed {
  id: string;
  status: 'queued' | 'done';
  results?: Array<{ sku: string; ok: boolean; itemId?: string; error?: string }>;
}
