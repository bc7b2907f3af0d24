/**
 * Dafiti's SellerCenter API as the plugin uses it, over `ctx.http`. Every action goes to the endpoint's
 * root with its parameters in a signed query string (signature.ts); feed actions POST an XML `<Request>`
 * body; answers are asked for in JSON (`Format=JSON`).
 *
 * SellerCenter reports most refusals in the body of an HTTP 200 (`ErrorResponse {Head: {ErrorCode,
 * ErrorMessage}, Body: {ErrorDetail}}`), so every answer is read, and its refusal turned into the typed
 * error the core acts on: a refused signature or user → credentials (the integration pauses until new
 * settings), too many requests → waited out, a platform error → retried, anything else → rejected with
 * SellerCenter's own words. HTTP 429 and 5xx answers are already typed by `ctx.http`.
 */
import { MarketplaceErrors, type PluginContext } from '@connector/core/plugin';
import { sellerCenterTimestamp, signedQuery } from './signature.js';

export type FeedAction = 'ProductCreate' | 'ProductUpdate' | 'ProductRemove' | 'Image';
export type ReadAction = 'FeedStatus' | 'GetProducts';

/** One field problem of a synchronous "Format Error Detected" (code 1000). */
export interface ErrorDetail {
  Field?: string;
  Message?: string;
  Value?: string;
  SellerSku?: string;
}

export interface FeedError {
  Code?: number | string;
  Message?: string;
  SellerSku?: string;
}

/** `FeedStatus` → `FeedDetail`, lists normalised (SellerCenter's JSON turns a list of one into an object). */
export interface FeedDetail {
  Feed: string;
  Status: string;
  Action: string;
  TotalRecords: number;
  ProcessedRecords: number;
  FailedRecords: number;
  FeedErrors: FeedError[];
}

/** A product as `GetProducts` lists it (the fields the plugin reads). */
export interface SellerCenterProduct {
  SellerSku: string;
  ShopSku?: string;
  Status?: string;
  Quantity?: number | string;
  Price?: number | string;
  SalePrice?: number | string;
  SaleStartDate?: string;
  SaleEndDate?: string;
}

/** The SellerCenter code of a refusal, kept in the rejected error's details so callers can tell them apart. */
export interface RefusalDetails {
  sellerCenterCode: string;
  errorDetails: ErrorDetail[];
}

/** SellerCenter's code for a synchronous refusal of some records ("Format Error Detected"). */
export const FORMAT_ERROR = '1000';

/** Refusal codes that mean the credentials are wrong: E007 signature mismatching (wrong key or user), E009 access denied. */
const AUTH_CODES = new Set(['7', '9']);

/** SellerCenter's JSON gives a list of one as the object itself, and an empty list as "". */
export function asList<T>(value: unknown): T[] {
  if (value === undefined || value === null || value === '') return [];
  return (Array.isArray(value) ? value : [value]) as T[];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export class SellerCenter {
  constructor(
    private readonly ctx: PluginContext,
    private readonly now: () => number = Date.now,
  ) {}

  private get marketplace(): string {
    return this.ctx.marketplace;
  }

  /** Sends one signed action; returns the SuccessResponse's `Head` and `Body`, or throws the typed error for its refusal. */
  async call(action: FeedAction | ReadAction, params: Record<string, string> = {}, xml?: string): Promise<{ head: Record<string, unknown>; body: unknown }> {
    const userId = String(this.ctx.settings.userId ?? '');
    const apiKey = await this.ctx.secrets.get('apiKey');
    if (!userId || !apiKey) throw MarketplaceErrors.auth(this.marketplace, 'the integration has no SellerCenter UserID or API key set');
    const query = signedQuery({ ...params, Action: action, UserID: userId, Version: '1.0', Timestamp: sellerCenterTimestamp(this.now()), Format: 'JSON' }, apiKey);
    const response = await this.ctx.http.request<unknown>({
      method: xml === undefined ? 'GET' : 'POST',
      url: `?${query}`,
      ...(xml === undefined ? {} : { headers: { 'content-type': 'text/xml; charset=utf-8' }, body: xml }),
    });
    const answer = response.body;
    if (isObject(answer) && isObject(answer.SuccessResponse)) {
      const success = answer.SuccessResponse;
      return { head: isObject(success.Head) ? success.Head : {}, body: success.Body };
    }
    if (isObject(answer) && isObject(answer.ErrorResponse)) throw this.refusal(action, answer.ErrorResponse);
    const text = typeof answer === 'string' ? answer.slice(0, 200) : JSON.stringify(answer ?? '').slice(0, 200);
    throw MarketplaceErrors.unavailable(this.marketplace, `SellerCenter answered ${action} with something that is neither SuccessResponse nor ErrorResponse: ${text}`);
  }

  /** An ErrorResponse as the error the core acts on. */
  private refusal(action: string, error: Record<string, unknown>): Error {
    const head = isObject(error.Head) ? error.Head : {};
    const code = String(head.ErrorCode ?? '');
    const message = String(head.ErrorMessage ?? `error ${code}`);
    const body = isObject(error.Body) ? error.Body : {};
    const errorDetails = asList<ErrorDetail>(body.ErrorDetail);
    if (AUTH_CODES.has(code)) return MarketplaceErrors.auth(this.marketplace, `SellerCenter answered "${message}": check the UserID and API key (SellerCenter > Settings > Integration Management)`);
    if (code === '429') return MarketplaceErrors.rateLimited(this.marketplace, 60_000);
    if (code === '6') return MarketplaceErrors.unavailable(this.marketplace, `SellerCenter: ${message}`);
    if (code === '3') return MarketplaceErrors.unavailable(this.marketplace, `SellerCenter answered "${message}": this machine's clock is more than a few minutes off`);
    const details = errorDetails.map((d) => (d.Field ? `${d.Field}${d.Value ? ` "${d.Value}"` : ''}: ${d.Message ?? ''}`.trim() : String(d.Message ?? ''))).filter(Boolean);
    const refusal: RefusalDetails = { sellerCenterCode: code, errorDetails };
    return MarketplaceErrors.rejected(this.marketplace, `SellerCenter refused ${action}: ${message}${details.length ? ` (${details.join('; ')})` : ''}`, refusal);
  }

  /** Sends a feed; SellerCenter answers at once with its FeedId (processing is asynchronous). */
  async submitFeed(action: FeedAction, xml: string): Promise<string> {
    const { head } = await this.call(action, {}, xml);
    const feedId = String(head.RequestId ?? '');
    if (!feedId) throw MarketplaceErrors.unavailable(this.marketplace, `SellerCenter accepted ${action} but answered no RequestId (FeedId)`);
    return feedId;
  }

  /** `FeedStatus`; undefined when SellerCenter does not know the feed (E012 Invalid Feed ID). */
  async feedStatus(feedId: string): Promise<FeedDetail | undefined> {
    let body: unknown;
    try {
      ({ body } = await this.call('FeedStatus', { FeedID: feedId }));
    } catch (error) {
      if (refusalCode(error) === '12') return undefined;
      throw error;
    }
    const detail = isObject(body) && isObject(body.FeedDetail) ? body.FeedDetail : undefined;
    if (!detail) throw MarketplaceErrors.unavailable(this.marketplace, `SellerCenter answered FeedStatus for ${feedId} without a FeedDetail`);
    const errors = isObject(detail.FeedErrors) ? asList<FeedError>(detail.FeedErrors.Error) : [];
    return {
      Feed: String(detail.Feed ?? feedId),
      Status: String(detail.Status ?? ''),
      Action: String(detail.Action ?? ''),
      TotalRecords: Number(detail.TotalRecords ?? 0),
      ProcessedRecords: Number(detail.ProcessedRecords ?? 0),
      FailedRecords: Number(detail.FailedRecords ?? 0),
      FeedErrors: errors,
    };
  }

  /** `GetProducts` for these SellerSkus (deleted products are not listed by the `all` filter). */
  async products(sellerSkus: string[]): Promise<SellerCenterProduct[]> {
    const { body } = await this.call('GetProducts', { Filter: 'all', SkuSellerList: JSON.stringify(sellerSkus), Limit: String(Math.max(1, sellerSkus.length)), Offset: '0' });
    const products = isObject(body) && isObject(body.Products) ? body.Products.Product : undefined;
    return asList<SellerCenterProduct>(products);
  }
}

/** The SellerCenter code of a refusal the client threw (undefined for anything else). */
export function refusalCode(error: unknown): string | undefined {
  const details = (error as { details?: unknown } | undefined)?.details;
  return isObject(details) && typeof details.sellerCenterCode === 'string' ? details.sellerCenterCode : undefined;
}

/** The per-record problems of a "Format Error Detected" refusal (empty for anything else). */
export function formatErrors(error: unknown): ErrorDetail[] {
  if (refusalCode(error) !== FORMAT_ERROR) return [];
  return ((error as { details: RefusalDetails }).details.errorDetails ?? []).filter((d) => isObject(d));
}
