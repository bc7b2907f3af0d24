/**
 * The Selling Partner API as the plugin uses it, over ctx.http: Login with Amazon (LWA) tokens, Listings Items
 * 2021-08-01 and Feeds 2021-06-30 (with the presigned S3 URLs feed documents travel through).
 */
import { ConnectorError, MarketplaceErrors, type PluginContext } from '@connector/core/plugin';
import type { FeedDocument, PatchOperation } from './attributes.js';

export const DEFAULT_API_BASE_URL = 'https://sellingpartnerapi-na.amazon.com';
export const DEFAULT_TOKEN_URL = 'https://api.amazon.com/auth/o2/token';
/** What createFeedDocument is told and the upload then carries (S3 checks the two match). */
export const FEED_CONTENT_TYPE = 'application/json; charset=UTF-8';
/** Refresh an access token this long before Amazon says it expires (clocks differ, requests take time). */
const EXPIRY_MARGIN_MS = 60_000;
const MARKETPLACE = 'amazon';

/** Issue (Listings Items API model) / report issue (processing report schema). */
export interface AmazonIssue {
  code: string;
  message: string;
  severity: 'ERROR' | 'WARNING' | 'INFO';
  attributeNames?: string[];
  attributeName?: string;
  messageId?: number;
  sku?: string;
}

export interface SubmissionResponse {
  sku: string;
  status: 'ACCEPTED' | 'INVALID' | 'VALID';
  submissionId: string;
  issues?: AmazonIssue[];
}

export interface Feed {
  feedId: string;
  processingStatus: 'IN_QUEUE' | 'IN_PROGRESS' | 'DONE' | 'FATAL' | 'CANCELLED';
  resultFeedDocumentId?: string;
}

export interface ProcessingReport {
  header?: { feedId?: string };
  issues?: AmazonIssue[];
  summary?: { errors: number; warnings: number; messagesProcessed: number; messagesAccepted: number; messagesInvalid: number };
  items?: { sku: string; summaries?: { asin?: string; productType?: string }[] }[];
}

export interface ListingItem {
  sku: string;
  summaries?: { asin?: string; productType?: string; status?: string[] }[];
  attributes?: Record<string, Record<string, unknown>[]>;
}

/**
 * LWA access tokens (an hour each). LWA refresh tokens do not rotate, so nothing needs storing: the access token is
 * kept in memory only (never at rest), refreshed a minute before it expires, and at once when Amazon refuses it
 * (the core then calls refreshAuth). One refresh at a time: callers waiting meanwhile share it.
 */
export class LwaTokens {
  #token: { value: string; expiresAt: number } | undefined;
  #refreshing: Promise<string> | undefined;

  constructor(
    private readonly ctx: Pick<PluginContext, 'settings' | 'secrets' | 'http' | 'log'>,
    private readonly now: () => number = Date.now,
  ) {}

  async accessToken(): Promise<string> {
    const t = this.#token;
    return t && t.expiresAt - EXPIRY_MARGIN_MS > this.now() ? t.value : this.refresh();
  }

  refresh(): Promise<string> {
    this.#refreshing ??= this.#refresh().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #refresh(): Promise<string> {
    const clientId = this.ctx.settings.clientId;
    const [clientSecret, refreshToken] = await Promise.all([this.ctx.secrets.get('clientSecret'), this.ctx.secrets.get('refreshToken')]);
    if (typeof clientId !== 'string' || !clientId || !clientSecret || !refreshToken) {
      throw MarketplaceErrors.auth(MARKETPLACE, 'set clientId, clientSecret and refreshToken (from the app authorisation in Seller Central) in the integration settings');
    }
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId, client_secret: clientSecret });
    let body: { access_token?: unknown; expires_in?: unknown };
    try {
      ({ body } = await this.ctx.http.request<{ access_token?: unknown; expires_in?: unknown }>({
        method: 'POST',
        url: String(this.ctx.settings.tokenUrl ?? DEFAULT_TOKEN_URL),
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
        body: form.toString(),
      }));
    } catch (error) {
      throw lwaError(error) ?? error;
    }
    if (typeof body?.access_token !== 'string') throw MarketplaceErrors.unavailable(MARKETPLACE, 'Login with Amazon answered without an access_token');
    const seconds = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600;
    this.#token = { value: body.access_token, expiresAt: this.now() + seconds * 1000 };
    this.ctx.log.info('Amazon LWA access token refreshed', { expiresInSeconds: seconds });
    return body.access_token;
  }
}

/** LWA's OAuth refusals (`invalid_grant`, `invalid_client`) as the auth error the core pauses the integration on, with the fix. */
function lwaError(error: unknown): ConnectorError | undefined {
  const code = error instanceof ConnectorError ? (error.details as { body?: { error?: unknown } } | undefined)?.body?.error : undefined;
  if (code === 'invalid_grant') {
    return MarketplaceErrors.auth(MARKETPLACE, 'Login with Amazon refused the refresh token (invalid_grant: revoked or expired). Authorise the app again in Seller Central and put the new refreshToken in the integration settings');
  }
  if (code === 'invalid_client') {
    return MarketplaceErrors.auth(MARKETPLACE, 'Login with Amazon refused clientId or clientSecret (invalid_client): check them in the integration settings');
  }
  return undefined;
}

export class SpApi {
  readonly sellerId: string;
  readonly marketplaceId: string;

  constructor(
    private readonly ctx: Pick<PluginContext, 'settings' | 'http'>,
    private readonly tokens: LwaTokens,
  ) {
    this.sellerId = String(ctx.settings.sellerId);
    this.marketplaceId = String(ctx.settings.marketplaceId);
  }

  async #call<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown): Promise<T> {
    const token = await this.tokens.accessToken();
    const response = await this.ctx.http.request<T>({ method, url, headers: { 'x-amz-access-token': token }, ...(body !== undefined && { body }) });
    return response.body;
  }

  #item(sku: string, query = ''): string {
    return `listings/2021-08-01/items/${encodeURIComponent(this.sellerId)}/${encodeURIComponent(sku)}?marketplaceIds=${encodeURIComponent(this.marketplaceId)}${query}`;
  }

  // ---- Listings Items ----

  putListingsItem(sku: string, body: { productType: string; requirements: string; attributes: Record<string, unknown> }): Promise<SubmissionResponse> {
    return this.#call('PUT', this.#item(sku), body);
  }

  patchListingsItem(sku: string, body: { productType: string; patches: PatchOperation[] }): Promise<SubmissionResponse> {
    return this.#call('PATCH', this.#item(sku), body);
  }

  deleteListingsItem(sku: string): Promise<SubmissionResponse> {
    return this.#call('DELETE', this.#item(sku));
  }

  /** The listing, or undefined when Amazon has no such SKU (404). */
  async getListingsItem(sku: string): Promise<ListingItem | undefined> {
    try {
      return await this.#call<ListingItem>('GET', this.#item(sku, '&includedData=summaries,attributes'));
    } catch (error) {
      if (error instanceof ConnectorError && (error.details as { status?: number } | undefined)?.status === 404) return undefined;
      throw error;
    }
  }

  // ---- Feeds ----

  /** createFeedDocument → upload to the presigned URL → createFeed. Returns the feedId. */
  async submitListingsFeed(document: string): Promise<string> {
    const { feedDocumentId, url } = await this.#call<{ feedDocumentId: string; url: string }>('POST', 'feeds/2021-06-30/documents', { contentType: FEED_CONTENT_TYPE });
    // The presigned URL carries its own authorisation: no LWA token on it.
    await this.ctx.http.request({ method: 'PUT', url, headers: { 'content-type': FEED_CONTENT_TYPE }, body: document });
    const { feedId } = await this.#call<{ feedId: string }>('POST', 'feeds/2021-06-30/feeds', {
      feedType: 'JSON_LISTINGS_FEED',
      marketplaceIds: [this.marketplaceId],
      inputFeedDocumentId: feedDocumentId,
    });
    return feedId;
  }

  getFeed(feedId: string): Promise<Feed> {
    return this.#call('GET', `feeds/2021-06-30/feeds/${encodeURIComponent(feedId)}`);
  }

  /** getFeedDocument → download the processing report from its presigned URL. */
  async processingReport(feedDocumentId: string): Promise<ProcessingReport> {
    const doc = await this.#call<{ url: string; compressionAlgorithm?: string }>('GET', `feeds/2021-06-30/documents/${encodeURIComponent(feedDocumentId)}`);
    if (doc.compressionAlgorithm) {
      // ctx.http hands plugins text, and a GZIP report is binary: see the README's known unknowns.
      throw MarketplaceErrors.unavailable(MARKETPLACE, `the processing report of feed document ${feedDocumentId} is ${doc.compressionAlgorithm}-compressed, which this plugin cannot read yet`);
    }
    const { body } = await this.ctx.http.request<ProcessingReport | string>({ method: 'GET', url: doc.url });
    if (typeof body === 'string') throw MarketplaceErrors.unavailable(MARKETPLACE, `the processing report of feed document ${feedDocumentId} is not JSON`);
    return body;
  }
}
