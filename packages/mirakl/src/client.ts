// The Mirakl seller (shop) API as Connector plugins use it, over ctx.http (the plugin's only way out: allowed hosts,
// rate budget, typed errors). Every Mirakl marketplace (Carrefour, Centauro, …) runs its own instance of the same API
// at its own URL — the integration's `apiBaseUrl` setting — so one client serves every Mirakl plugin.
//
// Auth: `Authorization: <shop API key>` — the key itself, no "Bearer". `shop_id` is added to every call when the
// integration sets `shopId` (a key that gives access to several shops). Errors: ctx.http turns 401/403 into auth
// errors (the integration pauses until new settings), 429 into a wait (Retry-After), 5xx into retries, and other 4xx
// into refusals whose message is Mirakl's own (`{message, status}` error bodies).
import { MarketplaceErrors, type PluginContext } from '@connector/core/plugin';
import { type CsvRow, parseMiraklCsv } from './csv.js';

/** P42 (`GET /api/products/imports/{id}`), the fields the plugins read. */
export interface MiraklProductImport {
  import_id: number;
  /** WAITING, RUNNING, SENT, COMPLETE, FAILED (also QUEUED, TRANSFORMATION_*, CANCELLED on some instances). */
  import_status: string;
  reason_status?: string;
  has_error_report?: boolean;
  transform_lines_read?: number;
  transform_lines_in_success?: number;
  transform_lines_in_error?: number;
}

/** OF02 (`GET /api/offers/imports/{id}`), the fields the plugins read. */
export interface MiraklOfferImport {
  import_id: number;
  /** WAITING, RUNNING, COMPLETE, FAILED (also QUEUED, CANCELLED on some instances). */
  status: string;
  reason_status?: string;
  has_error_report?: boolean;
  lines_read?: number;
  lines_in_success?: number;
  lines_in_error?: number;
  offer_inserted?: number;
  offer_updated?: number;
  offer_deleted?: number;
}

/** OF21 (`GET /api/offers`): one of the shop's offers. */
export interface MiraklOffer {
  offer_id: number;
  shop_sku: string;
  product_sku?: string;
  price: number;
  quantity: number;
  state_code?: string;
  active?: boolean;
}

/**
 * OF24 (`POST /api/offers`): one offer. Mirakl resets every field an OF24 offer leaves out (quantity to 0, the
 * description, discount and lead time deleted), so every field the seller manages is required here: an offer
 * can only be built whole.
 */
export interface MiraklOfferJson {
  shop_sku: string;
  product_id: string;
  product_id_type: 'SHOP_SKU' | 'EAN' | (string & {});
  price: number;
  quantity: number;
  state_code: string;
  update_delete: 'update' | 'delete';
  /** `null` when the seller sets none (sent, so the reset is explicit). */
  leadtime_to_ship: number | null;
}

/** OF01 `import_mode`: NORMAL (fields left out are reset), PARTIAL_UPDATE (kept; if the operator enabled it), REPLACE. */
export type MiraklImportMode = 'NORMAL' | 'PARTIAL_UPDATE' | 'REPLACE';

/** One line of a P44/OF03 error report: the import's own columns, `error-line` and `error-message`. */
export interface MiraklReportLine {
  line: number;
  values: Record<string, string>;
  message: string;
}

export interface MiraklClientOptions {
  /** Shown in messages ("Carrefour"). */
  displayName: string;
  /** Name of the secret setting holding the shop API key (default `apiKey`). */
  apiKeySetting?: string;
  /** Name of the setting holding the shop id (default `shopId`; absent or empty: no shop_id sent). */
  shopIdSetting?: string;
}

/** A CSV file as a multipart/form-data body (part `file`, plus plain fields), built by the platform's FormData. */
export async function multipartBody(csv: string, fileName: string, fields: Record<string, string> = {}): Promise<{ body: string; contentType: string }> {
  const form = new FormData();
  form.append('file', new Blob([csv], { type: 'text/csv; charset=UTF-8' }), fileName);
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  // Request serialises FormData exactly as fetch would send it (boundary included), without sending anything.
  const request = new Request('http://multipart.invalid/', { method: 'POST', body: form });
  const contentType = request.headers.get('content-type');
  if (!contentType) throw new Error('FormData gave no content type');
  return { body: await request.text(), contentType };
}

export class MiraklClient {
  readonly #ctx: PluginContext;
  readonly #opts: Required<MiraklClientOptions>;

  constructor(ctx: PluginContext, options: MiraklClientOptions) {
    this.#ctx = ctx;
    this.#opts = { apiKeySetting: 'apiKey', shopIdSetting: 'shopId', ...options };
  }

  get marketplace(): string {
    return this.#ctx.marketplace;
  }

  get displayName(): string {
    return this.#opts.displayName;
  }

  async #authorization(): Promise<string> {
    const key = await this.#ctx.secrets.get(this.#opts.apiKeySetting);
    if (!key) throw MarketplaceErrors.auth(this.marketplace, `no ${this.#opts.apiKeySetting} is set: put the shop API key from ${this.displayName}'s seller portal (My account > API key) in the integration's settings`);
    return key;
  }

  /** `api/…` relative to the instance URL, with `shop_id` when the integration sets one. */
  #url(path: string, query: Record<string, string | number | undefined> = {}): string {
    const shop = this.#ctx.settings[this.#opts.shopIdSetting];
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
    if (shop !== undefined && shop !== null && shop !== '') params.set('shop_id', String(shop));
    const qs = params.toString();
    return qs ? `${path}?${qs}` : path;
  }

  async #json<T>(method: 'GET' | 'POST', path: string, query?: Record<string, string | number | undefined>, body?: unknown): Promise<T> {
    const res = await this.#ctx.http.request<T>({ method, url: this.#url(path, query), headers: { authorization: await this.#authorization() }, ...(body !== undefined && { body }) });
    return res.body;
  }

  async #upload(path: string, csv: string, fileName: string, fields?: Record<string, string>): Promise<number> {
    const { body, contentType } = await multipartBody(csv, fileName, fields);
    const res = await this.#ctx.http.request<{ import_id?: number }>({
      method: 'POST',
      url: this.#url(path),
      headers: { authorization: await this.#authorization(), 'content-type': contentType },
      body,
    });
    return this.#importId(res.body, path);
  }

  #importId(body: { import_id?: number } | undefined, path: string): number {
    const id = body?.import_id;
    if (typeof id !== 'number') throw MarketplaceErrors.unavailable(this.marketplace, `${path} answered without an import_id`);
    return id;
  }

  async #report(path: string): Promise<MiraklReportLine[]> {
    const res = await this.#ctx.http.request<unknown>({ method: 'GET', url: this.#url(path), headers: { authorization: await this.#authorization(), accept: 'text/csv, application/json' } });
    if (typeof res.body !== 'string') return [];
    // `error-line` / `error-message` as Mirakl's OF03 names them; other spellings some instances use are read too.
    const first = (values: Record<string, string>, names: readonly string[]) => names.map((n) => values[n]).find((v) => v !== undefined && v.trim() !== '');
    return parseMiraklCsv(res.body).rows.map((r: CsvRow) => ({
      line: Number(first(r.values, ['error-line', 'error_line', 'line'])) || r.line,
      values: r.values,
      message: (first(r.values, ['error-message', 'error_message', 'errors', 'message']) ?? '').trim(),
    }));
  }

  /** P41: imports a product file (operator format); answers the import id. At most every 15 minutes per shop. */
  importProducts(csv: string): Promise<number> {
    return this.#upload('api/products/imports', csv, 'products.csv');
  }

  /** P42: a product import's status. */
  productImport(importId: number): Promise<MiraklProductImport> {
    return this.#json('GET', `api/products/imports/${importId}`);
  }

  /** P44: the product import's error report (one line per refused product). */
  productErrorReport(importId: number): Promise<MiraklReportLine[]> {
    return this.#report(`api/products/imports/${importId}/error_report`);
  }

  /** OF01: imports an offer file; answers the import id. At most once a minute per shop. */
  importOffers(csv: string, mode: MiraklImportMode = 'NORMAL'): Promise<number> {
    return this.#upload('api/offers/imports', csv, 'offers.csv', { import_mode: mode });
  }

  /** OF24: creates, updates or deletes offers from JSON (every field of each offer, see MiraklOfferJson); answers the import id. */
  async updateOffers(offers: readonly MiraklOfferJson[]): Promise<number> {
    return this.#importId(await this.#json<{ import_id?: number }>('POST', 'api/offers', undefined, { offers }), 'api/offers');
  }

  /** OF02: an offer import's status (OF01 and OF24 alike). */
  offerImport(importId: number): Promise<MiraklOfferImport> {
    return this.#json('GET', `api/offers/imports/${importId}`);
  }

  /** OF03: the offer import's error report. */
  offerErrorReport(importId: number): Promise<MiraklReportLine[]> {
    return this.#report(`api/offers/imports/${importId}/error_report`);
  }

  /** OF21: the shop's offers, `max` (≤ 100) from `offset`, optionally the one with shop SKU `sku`. */
  listOffers(query: { sku?: string; max?: number; offset?: number } = {}): Promise<{ offers: MiraklOffer[]; total_count: number }> {
    return this.#json('GET', 'api/offers', { sku: query.sku, max: query.max ?? 100, offset: query.offset ?? 0 });
  }
}
