// FakeAmazon: a real HTTP server standing in for Login with Amazon (token refresh), the Selling Partner API's
// Listings Items 2021-08-01 and Feeds 2021-06-30, and the S3 presigned URLs feed documents travel through. Feeds go
// IN_QUEUE → IN_PROGRESS → DONE|FATAL|CANCELLED on the fake's scalable clock; every uploaded JSON_LISTINGS_FEED is
// validated against Amazon's own schema and every processing report against Amazon's report schema.
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  FakeClock,
  FakeServerBase,
  findRoute,
  hash32,
  HttpError,
  isObject,
  readBody,
  readBuffer,
  readJsonObject,
  sendJson,
  sendText,
  TokenBucket,
  WindowLimit,
} from '../http.js';
import { type FeedMessage, MAX_FEED_BYTES, type ProcessingReport, processFeedDocument } from './feeds.js';
import {
  type AmazonIssue,
  applyPatches,
  type AttributeValues,
  DEFAULT_REQUIRED_ATTRIBUTES,
  type FakeAmazonListing,
  INCLUDED_DATA,
  issue,
  ISSUE,
  itemJson,
  missingRequired,
  patchTarget,
  type PatchOperation,
  type Requirements,
  REQUIREMENTS,
  touchesOffer,
  validateAttributeValues,
  validatePatches,
} from './listings.js';
import { amazonSchemas } from './schemas.js';

export type { AmazonIssue, FakeAmazonListing, PatchOperation, Requirements } from './listings.js';
export { MAX_ITEM_NAME_LENGTH, OFFER_ATTRIBUTES, DEFAULT_REQUIRED_ATTRIBUTES } from './listings.js';
export type { FeedMessage, ProcessingReport, ReportIssue } from './feeds.js';
export { MAX_FEED_BYTES, MAX_FEED_MESSAGES } from './feeds.js';
export { amazonFixturesDir, amazonSchemas, readAmazonFixture } from './schemas.js';

export type AmazonOperation =
  | 'putListingsItem'
  | 'patchListingsItem'
  | 'deleteListingsItem'
  | 'getListingsItem'
  | 'createFeedDocument'
  | 'createFeed'
  | 'getFeed'
  | 'getFeeds'
  | 'cancelFeed'
  | 'getFeedDocument';

/** A usage plan: `rate` requests per second restored, at most `burst` saved up (marketplace time). */
export interface RatePlan {
  rate: number;
  burst: number;
}

/** Amazon's default usage plans, from the Swagger models' descriptions. */
export const AMAZON_RATE_PLANS: Readonly<Record<AmazonOperation, RatePlan>> = {
  putListingsItem: { rate: 5, burst: 10 },
  patchListingsItem: { rate: 5, burst: 5 },
  deleteListingsItem: { rate: 5, burst: 5 },
  getListingsItem: { rate: 5, burst: 10 },
  createFeedDocument: { rate: 0.5, burst: 15 },
  createFeed: { rate: 0.0083, burst: 15 },
  getFeed: { rate: 2, burst: 15 },
  getFeeds: { rate: 0.0222, burst: 10 },
  cancelFeed: { rate: 2, burst: 15 },
  getFeedDocument: { rate: 0.0222, burst: 10 },
};

/** Documented: 5 JSON_LISTINGS_FEED submissions per 5 minutes per region. */
export const FEED_SUBMISSION_LIMIT = { max: 5, windowMs: 5 * 60_000 } as const;

export type FeedStatus = 'IN_QUEUE' | 'IN_PROGRESS' | 'DONE' | 'FATAL' | 'CANCELLED';

export interface FakeAmazonFeed {
  feedId: string;
  feedType: string;
  marketplaceIds: string[];
  inputFeedDocumentId: string;
  createdTime: string;
  processingStatus: FeedStatus;
  processingStartTime?: string;
  processingEndTime?: string;
  resultFeedDocumentId?: string;
  /** The processing report, once DONE or FATAL. */
  report?: ProcessingReport;
}

/** A price/stock update the fake received for a SKU it had not catalogued (and rejected, as Amazon does). */
export interface OfferBeforeCatalogue {
  sku: string;
  /** `PATCH`, `PUT (LISTING_OFFER_ONLY)`, `feed PATCH`, `feed PARTIAL_UPDATE`, `feed UPDATE (LISTING_OFFER_ONLY)`. */
  via: string;
  /** Marketplace time (ISO-8601). */
  at: string;
}

export interface FakeAmazonOptions {
  port?: number;
  host?: string;
  clientId?: string;
  clientSecret?: string;
  refreshToken?: string;
  /** The seller the tokens belong to (path `sellerId`, feed header `sellerId`). */
  sellerId?: string;
  /** Marketplaces the seller sells in; default Amazon.com.br, `A2Q3Y263D00KWC`. */
  marketplaceIds?: string[];
  /** LWA access tokens live 3600 s (marketplace time). */
  accessTokenTtlSeconds?: number;
  /** See FakeClock: 1 = real time (default), 60 = a marketplace minute per real second, 0 = frozen. Ignored when `clock`
   * is given (several fakes may share one clock). */
  timeScale?: number;
  clock?: FakeClock;
  /** Marketplace milliseconds: a feed waits `feedInQueueMs` (default 60 s), then processes `feedInProgressMs` (default
   * 120 s); an accepted PUT/PATCH/DELETE of the Listings Items API takes `listingMs` (default 0) to show. */
  delays?: { feedInQueueMs?: number; feedInProgressMs?: number; listingMs?: number };
  /** Override usage plans per operation (`false` = unlimited). */
  rateLimits?: Partial<Record<AmazonOperation, RatePlan | false>>;
  /** JSON_LISTINGS_FEED submissions allowed per window (default 5 per 5 min); `false` = unlimited. */
  feedSubmissions?: { max: number; windowMs: number } | false;
  /** Product-fact attributes required for a new listing, per product type; `*` applies to the others (default
   * item_name, brand, condition_type). */
  requiredAttributes?: Record<string, readonly string[]>;
  /** Serve processing reports gzip-compressed (getFeedDocument then says `compressionAlgorithm: GZIP`). */
  compressReports?: boolean;
}

export interface AmazonCounters {
  /** Every request received, whatever its outcome. */
  requests: number;
  tokenRefreshes: number;
  /** 401/403 answers of the SP-API (missing, unknown, revoked or expired token; wrong seller). */
  unauthorized: number;
  /** 429 answers, forced, from a usage plan or from the feed submission limit. */
  rateLimited: number;
  listingPuts: number;
  listingPatches: number;
  listingDeletes: number;
  listingGets: number;
  /** Listings Items submissions answered INVALID. */
  invalidSubmissions: number;
  feedDocumentsCreated: number;
  uploads: number;
  feedsCreated: number;
  feedsDone: number;
  feedsFatal: number;
  feedsCancelled: number;
  feedMessagesProcessed: number;
  feedMessagesInvalid: number;
  /** Price/stock updates for SKUs not yet catalogued (see `offersBeforeCatalogued` for each one). */
  offersBeforeCatalogued: number;
}

interface FeedDocument {
  id: string;
  contentType: string;
  kind: 'input' | 'result';
  content?: Buffer;
  gzip?: boolean;
}

interface AmazonRoute {
  method: string;
  path: RegExp;
  /** `sp` = Selling Partner API (token + usage plan), `lwa` = token endpoint, `s3` = presigned document URLs. */
  kind: 'sp' | 'lwa' | 's3';
  op?: AmazonOperation;
  handle: (req: IncomingMessage, res: ServerResponse, params: string[], url: URL) => Promise<void> | void;
}

const ERROR_CODES: Record<number, string> = {
  400: 'InvalidInput',
  401: 'Unauthorized',
  403: 'Unauthorized',
  404: 'NotFound',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  429: 'QuotaExceeded',
  500: 'InternalFailure',
  503: 'ServiceUnavailable',
};

/** SP-API error list. */
function spError(status: number, message: string, details = '', code = ERROR_CODES[status] ?? 'InternalFailure'): HttpError {
  return new HttpError(status, message, {}, { errors: [{ code, message, details }] });
}

function invalidInput(details: string): HttpError {
  return spError(400, 'Invalid request parameters', details);
}

/** LWA's OAuth error shape. */
function lwaError(status: number, error: string, description: string): HttpError {
  return new HttpError(status, description, {}, { error, error_description: description });
}

const PRESIGN_TTL_MS = 5 * 60_000; // documented: presigned URLs expire after 5 minutes
const MAX_UPLOAD_BYTES = 12 * 1024 * 1024; // S3 takes it; the feed itself must stay under 10 MiB (→ FATAL)
const FEED_DOC_PREFIX = 'amzn1.tortuga.4.na.';

function csvParam(url: URL, name: string): string[] {
  return url.searchParams
    .getAll(name)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

function formatRate(rate: number): string {
  return Number.isInteger(rate) ? rate.toFixed(1) : String(rate);
}

/** `url` stands in for the SP-API endpoint (`https://sellingpartnerapi-na.amazon.com`), for LWA
 * (`https://api.amazon.com`, path `/auth/o2/token`) and for the S3 presigned URLs. */
export class FakeAmazon extends FakeServerBase<AmazonCounters> {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly sellerId: string;
  readonly marketplaceIds: readonly string[];
  readonly clock: FakeClock;
  readonly counters: AmazonCounters = {
    requests: 0,
    tokenRefreshes: 0,
    unauthorized: 0,
    rateLimited: 0,
    listingPuts: 0,
    listingPatches: 0,
    listingDeletes: 0,
    listingGets: 0,
    invalidSubmissions: 0,
    feedDocumentsCreated: 0,
    uploads: 0,
    feedsCreated: 0,
    feedsDone: 0,
    feedsFatal: 0,
    feedsCancelled: 0,
    feedMessagesProcessed: 0,
    feedMessagesInvalid: 0,
    offersBeforeCatalogued: 0,
  };
  /** Every price/stock update received for a SKU not yet catalogued, oldest first. */
  readonly offersBeforeCatalogued: OfferBeforeCatalogue[] = [];
  readonly #refreshToken: string;
  readonly #ttlMs: number;
  readonly #accessTokens = new Map<string, number>(); // token → expiry (marketplace ms)
  readonly #listings = new Map<string, FakeAmazonListing>();
  readonly #feeds = new Map<string, FakeAmazonFeed>();
  readonly #documents = new Map<string, FeedDocument>();
  readonly #buckets = new Map<AmazonOperation, { plan: RatePlan; bucket: TokenBucket }>();
  readonly #feedWindow: WindowLimit | undefined;
  readonly #delays: Required<NonNullable<FakeAmazonOptions['delays']>>;
  readonly #required: Record<string, readonly string[]>;
  readonly #compress: boolean;
  readonly #s3Secret = randomBytes(32);
  readonly #usedAsins = new Set<string>();
  #failFeeds = 0;
  #lastFeedNumber = 50_001_000_000;

  private constructor(opts: FakeAmazonOptions) {
    super(500);
    this.clientId = opts.clientId ?? 'amzn1.application-oa2-client.fake0000000000000000000000000000';
    this.clientSecret = opts.clientSecret ?? randomBytes(32).toString('hex');
    this.#refreshToken = opts.refreshToken ?? `Atzr|${randomBytes(48).toString('base64url')}`;
    this.sellerId = opts.sellerId ?? 'A2FAKESELLER01';
    this.marketplaceIds = opts.marketplaceIds ?? ['A2Q3Y263D00KWC'];
    this.#ttlMs = (opts.accessTokenTtlSeconds ?? 3600) * 1000;
    this.clock = opts.clock ?? new FakeClock({ timeScale: opts.timeScale ?? 1 });
    this.#delays = { feedInQueueMs: 60_000, feedInProgressMs: 120_000, listingMs: 0, ...opts.delays };
    for (const [op, plan] of Object.entries({ ...AMAZON_RATE_PLANS, ...opts.rateLimits }) as [AmazonOperation, RatePlan | false][]) {
      if (plan) this.#buckets.set(op, { plan, bucket: new TokenBucket(plan.rate, plan.burst) });
    }
    const submissions = opts.feedSubmissions ?? FEED_SUBMISSION_LIMIT;
    this.#feedWindow = submissions ? new WindowLimit(submissions.max, submissions.windowMs) : undefined;
    this.#required = { '*': DEFAULT_REQUIRED_ATTRIBUTES, ...opts.requiredAttributes };
    this.#compress = opts.compressReports ?? false;
  }

  static async start(opts: FakeAmazonOptions = {}): Promise<FakeAmazon> {
    const fake = new FakeAmazon(opts);
    await fake.serve((req, res, url) => fake.#handle(req, res, url), {
      port: opts.port,
      host: opts.host,
      errorBody: (status, message) => ({ errors: [{ code: ERROR_CODES[status] ?? 'InternalFailure', message, details: '' }] }),
    });
    return fake;
  }

  // ---- credentials (tests) ----

  /** The LWA refresh token that works (LWA does not rotate it). */
  get refreshToken(): string {
    return this.#refreshToken;
  }

  /** A fresh valid access token, as a refresh would give. */
  issueAccessToken(): string {
    const token = `Atza|${randomBytes(64).toString('base64url')}`;
    this.#accessTokens.set(token, this.clock.now() + this.#ttlMs);
    return token;
  }

  /** Every access token issued so far is now expired (403 "The access token you provided has expired."). */
  expireAccessTokens(): void {
    for (const token of this.#accessTokens.keys()) this.#accessTokens.set(token, 0);
  }

  // ---- state (tests) ----

  /** The catalogued listing of `sku`, after every transition due by now. */
  getListing(sku: string): FakeAmazonListing | undefined {
    this.clock.settle();
    const listing = this.#listings.get(sku);
    return listing && structuredClone(listing);
  }

  listings(): FakeAmazonListing[] {
    this.clock.settle();
    return [...this.#listings.values()].map((l) => structuredClone(l));
  }

  /** Catalogues a listing directly, as if it had been created long ago (no validation). */
  seedListing(sku: string, productType: string, attributes: Record<string, AttributeValues>, requirements: Requirements = 'LISTING'): FakeAmazonListing {
    this.#store(sku, productType, requirements, structuredClone(attributes), this.clock.now());
    return this.getListing(sku)!;
  }

  /** The feed as getFeed would describe it, plus its report once finished. */
  getFeed(feedId: string): FakeAmazonFeed | undefined {
    this.clock.settle();
    const feed = this.#feeds.get(feedId);
    return feed && structuredClone(feed);
  }

  feeds(): FakeAmazonFeed[] {
    this.clock.settle();
    return [...this.#feeds.values()].map((f) => structuredClone(f));
  }

  /** The bytes uploaded (or produced) for a feed document, decompressed. */
  documentContent(feedDocumentId: string): string | undefined {
    const doc = this.#documents.get(feedDocumentId);
    if (!doc?.content) return undefined;
    return (doc.gzip ? gunzipSync(doc.content) : doc.content).toString('utf8');
  }

  /** The next `n` feeds to finish end FATAL (an Amazon-side failure), with a report saying so. */
  failNextFeeds(n: number): void {
    this.#failFeeds += n;
  }

  override resetCounters(): void {
    super.resetCounters();
    this.offersBeforeCatalogued.length = 0;
  }

  // ---- HTTP ----

  readonly #routes: readonly AmazonRoute[] = [
    { method: 'POST', path: /^\/auth\/o2\/token\/?$/, kind: 'lwa', handle: (req, res) => this.#token(req, res) },
    {
      method: 'PUT',
      path: /^\/listings\/2021-08-01\/items\/([^/]+)\/([^/]+)$/,
      kind: 'sp',
      op: 'putListingsItem',
      handle: (req, res, [seller, sku], url) => this.#put(req, res, seller!, sku!, url),
    },
    {
      method: 'PATCH',
      path: /^\/listings\/2021-08-01\/items\/([^/]+)\/([^/]+)$/,
      kind: 'sp',
      op: 'patchListingsItem',
      handle: (req, res, [seller, sku], url) => this.#patch(req, res, seller!, sku!, url),
    },
    {
      method: 'DELETE',
      path: /^\/listings\/2021-08-01\/items\/([^/]+)\/([^/]+)$/,
      kind: 'sp',
      op: 'deleteListingsItem',
      handle: (_req, res, [seller, sku], url) => this.#delete(res, seller!, sku!, url),
    },
    {
      method: 'GET',
      path: /^\/listings\/2021-08-01\/items\/([^/]+)\/([^/]+)$/,
      kind: 'sp',
      op: 'getListingsItem',
      handle: (_req, res, [seller, sku], url) => this.#get(res, seller!, sku!, url),
    },
    { method: 'POST', path: /^\/feeds\/2021-06-30\/documents\/?$/, kind: 'sp', op: 'createFeedDocument', handle: (req, res) => this.#createDocument(req, res) },
    { method: 'GET', path: /^\/feeds\/2021-06-30\/documents\/([^/]+)$/, kind: 'sp', op: 'getFeedDocument', handle: (_req, res, [id]) => this.#getDocument(res, id!) },
    { method: 'POST', path: /^\/feeds\/2021-06-30\/feeds\/?$/, kind: 'sp', op: 'createFeed', handle: (req, res) => this.#createFeed(req, res) },
    { method: 'GET', path: /^\/feeds\/2021-06-30\/feeds\/?$/, kind: 'sp', op: 'getFeeds', handle: (_req, res, _p, url) => this.#listFeeds(res, url) },
    { method: 'GET', path: /^\/feeds\/2021-06-30\/feeds\/([^/]+)$/, kind: 'sp', op: 'getFeed', handle: (_req, res, [id]) => this.#getFeed(res, id!) },
    { method: 'DELETE', path: /^\/feeds\/2021-06-30\/feeds\/([^/]+)$/, kind: 'sp', op: 'cancelFeed', handle: (_req, res, [id]) => this.#cancelFeed(res, id!) },
    { method: 'PUT', path: /^\/fake-s3\/feed-documents\/([^/]+)$/, kind: 's3', handle: (req, res, [id], url) => this.#upload(req, res, id!, url) },
    { method: 'GET', path: /^\/fake-s3\/feed-documents\/([^/]+)$/, kind: 's3', handle: (_req, res, [id], url) => this.#download(res, id!, url) },
  ];

  async #handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    this.counters.requests++;
    const answered = await this.playFaults({
      fail: (status) => spError(status, status >= 500 ? 'We encountered an internal error. Please try again.' : 'Injected failure'),
      rateLimit: (seconds) => {
        this.counters.rateLimited++;
        return new HttpError(429, 'quota', { 'retry-after': String(seconds) }, { errors: [{ code: 'QuotaExceeded', message: 'You exceeded your quota for the requested resource.', details: '' }] });
      },
    });
    if (!answered) return; // a scripted timeout: never answered, close() drops the socket
    this.clock.settle();

    const found = findRoute(this.#routes, req.method, url.pathname);
    if (!found) throw spError(404, `Resource ${req.method} ${url.pathname} not found`, '', 'NotFound');
    const { route } = found;
    if (route.kind === 'sp') {
      res.setHeader('x-amzn-RequestId', randomUUID());
      this.#authorize(req);
      const limited = route.op && this.#buckets.get(route.op);
      if (limited) {
        if (limited.bucket.take(this.clock.now()) > 0) {
          // Amazon answers 429 without Retry-After: clients pace themselves from x-amzn-RateLimit-Limit.
          this.counters.rateLimited++;
          throw spError(429, 'You exceeded your quota for the requested resource.', '', 'QuotaExceeded');
        }
        res.setHeader('x-amzn-RateLimit-Limit', formatRate(limited.plan.rate));
      }
    }
    await route.handle(req, res, found.params, url);
  }

  /** 401 without a well-formed token; 403 for an unknown, revoked or expired one. */
  #authorize(req: IncomingMessage): void {
    const token = req.headers['x-amz-access-token'];
    if (typeof token !== 'string' || !token.startsWith('Atza|')) {
      this.counters.unauthorized++;
      throw spError(401, "The request's Authorization header is not formatted correctly or does not contain a valid token.", 'Send the LWA access token in the x-amz-access-token header.', 'Unauthorized');
    }
    const expiresAt = this.#accessTokens.get(token);
    if (expiresAt === undefined || expiresAt <= this.clock.now()) {
      this.counters.unauthorized++;
      throw spError(403, 'Access to requested resource is denied.', expiresAt === undefined ? 'The access token you provided is revoked, malformed or invalid.' : 'The access token you provided has expired.', 'Unauthorized');
    }
  }

  #checkSeller(sellerId: string): void {
    if (sellerId !== this.sellerId) {
      this.counters.unauthorized++;
      throw spError(403, 'Access to requested resource is denied.', `The access token does not grant access to seller ${sellerId}.`, 'Unauthorized');
    }
  }

  /** `marketplaceIds` (required, comma-separated), each one the seller's. */
  #marketplaces(url: URL): string[] {
    const ids = csvParam(url, 'marketplaceIds');
    if (ids.length === 0) throw invalidInput('Missing required parameter marketplaceIds (e.g. ?marketplaceIds=A2Q3Y263D00KWC).');
    const unknown = ids.filter((id) => !this.marketplaceIds.includes(id));
    if (unknown.length > 0) throw invalidInput(`The seller does not sell in marketplace(s) ${unknown.join(', ')}; it sells in ${this.marketplaceIds.join(', ')}.`);
    return ids;
  }

  // ---- LWA ----

  async #token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req);
    let params: Record<string, unknown>;
    if (/json/i.test(req.headers['content-type'] ?? '')) {
      try {
        const json: unknown = JSON.parse(text);
        params = isObject(json) ? json : {};
      } catch {
        throw lwaError(400, 'invalid_request', 'The request body is not valid JSON.');
      }
    } else {
      params = Object.fromEntries(new URLSearchParams(text));
    }
    if (params.grant_type !== 'refresh_token') {
      throw lwaError(400, 'unsupported_grant_type', `The authorization grant type ${JSON.stringify(params.grant_type ?? null)} is not supported by the fake (use refresh_token).`);
    }
    const missing = ['refresh_token', 'client_id', 'client_secret'].filter((p) => typeof params[p] !== 'string' || params[p] === '');
    if (missing.length > 0) throw lwaError(400, 'invalid_request', `The request is missing a required parameter: ${missing.join(', ')}.`);
    if (params.client_id !== this.clientId || params.client_secret !== this.clientSecret) {
      throw lwaError(401, 'invalid_client', 'Client authentication failed');
    }
    if (params.refresh_token !== this.#refreshToken) throw lwaError(400, 'invalid_grant', 'The request has an invalid grant parameter : refresh_token');
    this.counters.tokenRefreshes++;
    sendJson(res, 200, { access_token: this.issueAccessToken(), refresh_token: this.#refreshToken, token_type: 'bearer', expires_in: this.#ttlMs / 1000 });
  }

  // ---- Listings Items ----

  #requiredFor(productType: string): readonly string[] {
    return this.#required[productType] ?? this.#required['*'] ?? DEFAULT_REQUIRED_ATTRIBUTES;
  }

  #recordOfferBeforeCatalogue(sku: string, via: string): void {
    this.counters.offersBeforeCatalogued++;
    this.offersBeforeCatalogued.push({ sku, via, at: this.clock.date().toISOString() });
  }

  /** Issues of a create/full replace (PUT, feed UPDATE). With `via` (an API call, checked as it is received), records an
   * offer sent before its product; feed messages were recorded when the feed was created (`#recordEarlyOffers`). */
  #validatePut(sku: string, productType: unknown, requirements: unknown, attributes: unknown, marketplaceIds: readonly string[], via?: string): AmazonIssue[] {
    const issues: AmazonIssue[] = [];
    if (typeof productType !== 'string' || productType.trim() === '') {
      issues.push(issue(ISSUE.badProductType, '"productType" is required: the Amazon product type of the listing, e.g. "SHOES".', [], ['INVALID_ATTRIBUTE']));
    }
    const req = (requirements ?? 'LISTING') as Requirements;
    if (!REQUIREMENTS.includes(req)) issues.push(issue(ISSUE.badValue, `"requirements" must be one of ${REQUIREMENTS.join(', ')}.`, [], ['INVALID_ATTRIBUTE']));
    issues.push(...validateAttributeValues(attributes, { marketplaceIds, required: [] }));
    if (!isObject(attributes)) return issues;
    const existing = this.#listings.get(sku);
    if (typeof productType === 'string' && existing && existing.productType !== productType) {
      issues.push(issue(ISSUE.badProductType, `SKU ${sku} is catalogued as product type ${existing.productType}; it cannot be changed to ${productType}.`, [], ['INVALID_ATTRIBUTE']));
    }
    if (req === 'LISTING_OFFER_ONLY') {
      if (!existing && attributes.merchant_suggested_asin === undefined) {
        issues.push(issue(ISSUE.notFound, `SKU ${sku} is not in the Amazon catalog yet: an offer-only submission needs the product catalogued first (or merchant_suggested_asin).`, [], ['MISSING_ATTRIBUTE']));
        if (via) this.#recordOfferBeforeCatalogue(sku, via);
      }
    } else if (typeof productType === 'string') {
      issues.push(...missingRequired(attributes, this.#requiredFor(productType)));
    }
    return issues;
  }

  /** Issues of a PATCH (API or feed). With `via`, records an offer sent before its product (see `#validatePut`). */
  #validatePatch(sku: string, productType: unknown, patches: unknown, marketplaceIds: readonly string[], via?: string): { issues: AmazonIssue[]; ops: PatchOperation[] } {
    const { issues, ops } = validatePatches(patches, { marketplaceIds, required: [] });
    if (typeof productType !== 'string' || productType.trim() === '') {
      issues.unshift(issue(ISSUE.badProductType, '"productType" is required: the Amazon product type of the listing, e.g. "SHOES".', [], ['INVALID_ATTRIBUTE']));
    }
    const existing = this.#listings.get(sku);
    if (!existing) {
      const targets = Array.isArray(patches) ? patches.map((p: unknown) => (isObject(p) ? patchTarget(p.path) : undefined)).filter((t): t is string => t !== undefined) : [];
      issues.unshift(issue(ISSUE.notFound, `SKU ${sku} does not exist for seller ${this.sellerId}: create the listing (PUT, or an UPDATE feed message) and wait until it is catalogued before patching it.`, [], []));
      if (via && touchesOffer(targets)) this.#recordOfferBeforeCatalogue(sku, via);
    } else if (typeof productType === 'string' && existing.productType !== productType) {
      issues.push(issue(ISSUE.badProductType, `SKU ${sku} is catalogued as product type ${existing.productType}, not ${productType}.`, [], ['INVALID_ATTRIBUTE']));
    }
    return { issues, ops };
  }

  #newAsin(sku: string): string {
    for (let salt = 0; ; salt++) {
      const n = hash32(this.sellerId, sku, salt) * 4096 + (hash32(sku, salt) % 4096);
      const asin = `B0${n.toString(36).toUpperCase().padStart(8, '0').slice(-8)}`;
      if (!this.#usedAsins.has(asin)) {
        this.#usedAsins.add(asin);
        return asin;
      }
    }
  }

  #store(sku: string, productType: string, requirements: Requirements, attributes: Record<string, AttributeValues>, at: number): void {
    const when = new Date(at).toISOString();
    const existing = this.#listings.get(sku);
    this.#listings.set(sku, {
      sku,
      asin: existing?.asin ?? this.#newAsin(sku),
      productType,
      requirements,
      attributes,
      createdDate: existing?.createdDate ?? when,
      lastUpdatedDate: when,
    });
  }

  #patchStored(sku: string, ops: readonly PatchOperation[], at: number): void {
    const listing = this.#listings.get(sku);
    if (!listing) return; // deleted meanwhile: the accepted patch has nothing left to apply to
    listing.attributes = applyPatches(listing.attributes, ops);
    listing.lastUpdatedDate = new Date(at).toISOString();
  }

  /** Runs `apply` after the configured listing delay (immediately when it is 0). */
  #afterListingDelay(apply: (at: number) => void): void {
    if (this.#delays.listingMs <= 0) apply(this.clock.now());
    else this.clock.after(this.#delays.listingMs, apply);
  }

  #submission(res: ServerResponse, sku: string, issues: AmazonIssue[], validationOnly: boolean): boolean {
    const invalid = issues.some((i) => i.severity === 'ERROR');
    if (invalid) this.counters.invalidSubmissions++;
    sendJson(res, 200, { sku, status: invalid ? 'INVALID' : validationOnly ? 'VALID' : 'ACCEPTED', submissionId: randomUUID().replace(/-/g, ''), issues });
    return !invalid && !validationOnly;
  }

  #mode(url: URL): boolean {
    const mode = url.searchParams.get('mode');
    if (mode !== null && mode !== 'VALIDATION_PREVIEW') throw invalidInput(`mode must be VALIDATION_PREVIEW when given (got ${mode}).`);
    return mode === 'VALIDATION_PREVIEW';
  }

  async #put(req: IncomingMessage, res: ServerResponse, sellerId: string, sku: string, url: URL): Promise<void> {
    this.#checkSeller(sellerId);
    const marketplaceIds = this.#marketplaces(url);
    const preview = this.#mode(url);
    const body = await readJsonObject(req);
    const missing = ['productType', 'attributes'].filter((k) => body[k] === undefined);
    if (missing.length > 0) throw invalidInput(`The request body is missing required field(s): ${missing.join(', ')} (ListingsItemPutRequest).`);
    const issues = this.#validatePut(sku, body.productType, body.requirements, body.attributes, marketplaceIds, 'PUT (LISTING_OFFER_ONLY)');
    if (!this.#submission(res, sku, issues, preview)) return;
    this.counters.listingPuts++;
    const productType = body.productType as string;
    const requirements = (body.requirements ?? 'LISTING') as Requirements;
    const attributes = structuredClone(body.attributes) as Record<string, AttributeValues>;
    this.#afterListingDelay((at) => this.#store(sku, productType, requirements, attributes, at));
  }

  async #patch(req: IncomingMessage, res: ServerResponse, sellerId: string, sku: string, url: URL): Promise<void> {
    this.#checkSeller(sellerId);
    const marketplaceIds = this.#marketplaces(url);
    const preview = this.#mode(url);
    const body = await readJsonObject(req);
    const missing = ['productType', 'patches'].filter((k) => body[k] === undefined);
    if (missing.length > 0) throw invalidInput(`The request body is missing required field(s): ${missing.join(', ')} (ListingsItemPatchRequest).`);
    const { issues, ops } = this.#validatePatch(sku, body.productType, body.patches, marketplaceIds, 'PATCH');
    if (!this.#submission(res, sku, issues, preview)) return;
    this.counters.listingPatches++;
    this.#afterListingDelay((at) => this.#patchStored(sku, ops, at));
  }

  #delete(res: ServerResponse, sellerId: string, sku: string, url: URL): void {
    this.#checkSeller(sellerId);
    this.#marketplaces(url);
    this.counters.listingDeletes++;
    this.#submission(res, sku, [], false);
    this.#afterListingDelay(() => this.#listings.delete(sku));
  }

  #get(res: ServerResponse, sellerId: string, sku: string, url: URL): void {
    this.#checkSeller(sellerId);
    const [marketplaceId] = this.#marketplaces(url);
    const included = csvParam(url, 'includedData');
    const unknown = included.filter((d) => !(INCLUDED_DATA as readonly string[]).includes(d));
    if (unknown.length > 0) throw invalidInput(`Unknown includedData value(s) ${unknown.join(', ')}; allowed: ${INCLUDED_DATA.join(', ')}.`);
    this.counters.listingGets++;
    const listing = this.#listings.get(sku);
    if (!listing) throw spError(404, `SKU '${sku}' not found in marketplace ${marketplaceId}`, '', 'NOT_FOUND');
    sendJson(res, 200, itemJson(listing, marketplaceId!, included.length > 0 ? included : ['summaries']));
  }

  // ---- Feeds ----

  #presign(id: string, method: 'PUT' | 'GET'): string {
    const expires = Math.floor(this.clock.now() + PRESIGN_TTL_MS);
    const signature = createHmac('sha256', this.#s3Secret).update(`${method}\n${id}\n${expires}`).digest('hex');
    return `${this.url}/fake-s3/feed-documents/${encodeURIComponent(id)}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=300&X-Fake-Expires-At=${expires}&X-Amz-Signature=${signature}`;
  }

  /** S3 answers with XML errors; false when the presigned URL is bad or expired (the answer is sent). */
  #checkPresigned(res: ServerResponse, id: string, url: URL, method: 'PUT' | 'GET'): boolean {
    const expires = url.searchParams.get('X-Fake-Expires-At') ?? '';
    const given = Buffer.from(url.searchParams.get('X-Amz-Signature') ?? '', 'hex');
    const wanted = createHmac('sha256', this.#s3Secret).update(`${method}\n${id}\n${expires}`).digest();
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
      s3Error(res, 403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
      return false;
    }
    if (Number(expires) < this.clock.now()) {
      s3Error(res, 403, 'AccessDenied', 'Request has expired');
      return false;
    }
    return true;
  }

  async #createDocument(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJsonObject(req);
    if (typeof body.contentType !== 'string' || body.contentType.trim() === '') {
      throw invalidInput('contentType is required (CreateFeedDocumentSpecification), e.g. "application/json; charset=UTF-8".');
    }
    const id = `${FEED_DOC_PREFIX}${randomUUID()}`;
    this.#documents.set(id, { id, contentType: body.contentType, kind: 'input' });
    this.counters.feedDocumentsCreated++;
    sendJson(res, 201, { feedDocumentId: id, url: this.#presign(id, 'PUT') });
  }

  async #upload(req: IncomingMessage, res: ServerResponse, id: string, url: URL): Promise<void> {
    const doc = this.#documents.get(id);
    if (!doc || doc.kind !== 'input') return s3Error(res, 404, 'NoSuchKey', 'The specified key does not exist.');
    if (!this.#checkPresigned(res, id, url, 'PUT')) return;
    const contentType = req.headers['content-type'] ?? '';
    if (normalizeContentType(contentType) !== normalizeContentType(doc.contentType)) {
      await readBuffer(req, MAX_UPLOAD_BYTES).catch(() => undefined);
      return s3Error(res, 403, 'SignatureDoesNotMatch', `The Content-Type "${contentType}" differs from the contentType "${doc.contentType}" given to createFeedDocument.`);
    }
    doc.content = await readBuffer(req, MAX_UPLOAD_BYTES);
    this.counters.uploads++;
    res.writeHead(200, { etag: `"${hash32(doc.content.toString('latin1')).toString(16)}"` });
    res.end();
  }

  #download(res: ServerResponse, id: string, url: URL): void {
    const doc = this.#documents.get(id);
    if (!doc?.content) return s3Error(res, 404, 'NoSuchKey', 'The specified key does not exist.');
    if (!this.#checkPresigned(res, id, url, 'GET')) return;
    sendText(res, 200, doc.content, doc.gzip ? 'application/octet-stream' : doc.contentType);
  }

  #getDocument(res: ServerResponse, id: string): void {
    const doc = this.#documents.get(id);
    if (!doc) throw spError(404, `The feed document ${id} was not found.`, '', 'NotFound');
    sendJson(res, 200, { feedDocumentId: id, url: this.#presign(id, 'GET'), ...(doc.gzip && { compressionAlgorithm: 'GZIP' }) });
  }

  async #createFeed(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJsonObject(req);
    const missing = ['feedType', 'marketplaceIds', 'inputFeedDocumentId'].filter((k) => body[k] === undefined);
    if (missing.length > 0) throw invalidInput(`Missing required field(s) ${missing.join(', ')} (CreateFeedSpecification).`);
    if (body.feedType !== 'JSON_LISTINGS_FEED') throw invalidInput(`feedType ${JSON.stringify(body.feedType)} is not supported by the fake Amazon: it implements JSON_LISTINGS_FEED.`);
    const marketplaceIds = body.marketplaceIds;
    if (!Array.isArray(marketplaceIds) || marketplaceIds.length === 0 || marketplaceIds.length > 25 || !marketplaceIds.every((m) => typeof m === 'string')) {
      throw invalidInput('marketplaceIds must be an array of 1 to 25 marketplace ids.');
    }
    const unknown = marketplaceIds.filter((m) => !this.marketplaceIds.includes(m));
    if (unknown.length > 0) throw invalidInput(`The seller does not sell in marketplace(s) ${unknown.join(', ')}.`);
    const doc = typeof body.inputFeedDocumentId === 'string' ? this.#documents.get(body.inputFeedDocumentId) : undefined;
    if (!doc || doc.kind !== 'input') throw invalidInput(`inputFeedDocumentId ${JSON.stringify(body.inputFeedDocumentId)} is not a document created by createFeedDocument.`);
    const waitMs = this.#feedWindow?.take(this.clock.now()) ?? 0;
    if (waitMs > 0) {
      this.counters.rateLimited++;
      throw spError(429, 'You exceeded your quota for the requested resource.', `JSON_LISTINGS_FEED allows ${this.#feedWindow!.max} submissions per ${this.#feedWindow!.windowMs / 60_000} minutes; the next one is possible in ${Math.ceil(waitMs / 1000)} s (marketplace time).`, 'QuotaExceeded');
    }

    const feedId = String(++this.#lastFeedNumber);
    const now = this.clock.now();
    const feed: FakeAmazonFeed = {
      feedId,
      feedType: 'JSON_LISTINGS_FEED',
      marketplaceIds: [...marketplaceIds],
      inputFeedDocumentId: doc.id,
      createdTime: new Date(now).toISOString(),
      processingStatus: 'IN_QUEUE',
    };
    this.#feeds.set(feedId, feed);
    this.counters.feedsCreated++;
    this.#recordEarlyOffers(doc);
    const startAt = now + this.#delays.feedInQueueMs;
    this.clock.schedule(startAt, (at) => {
      if (feed.processingStatus !== 'IN_QUEUE') return; // cancelled
      feed.processingStatus = 'IN_PROGRESS';
      feed.processingStartTime = new Date(at).toISOString();
      this.clock.schedule(at + this.#delays.feedInProgressMs, (end) => this.#finishFeed(feed, end));
    });
    sendJson(res, 202, { feedId });
  }

  /** When a feed is submitted, records each price/stock message for a SKU that is not catalogued then (nor created by an
   * earlier message of the same feed). Processing rejects them later; a document that will be FATAL records nothing. */
  #recordEarlyOffers(doc: FeedDocument): void {
    if (!doc.content || doc.content.length >= MAX_FEED_BYTES) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(doc.content.toString('utf8'));
    } catch {
      return;
    }
    if (!amazonSchemas().feed(parsed)) return;
    const created = new Set<string>();
    const deleted = new Set<string>();
    for (const m of (parsed as { messages: FeedMessage[] }).messages) {
      const catalogued = (this.#listings.has(m.sku) && !deleted.has(m.sku)) || created.has(m.sku);
      if (m.operationType === 'UPDATE') {
        if (m.requirements !== 'LISTING_OFFER_ONLY') {
          created.add(m.sku);
          deleted.delete(m.sku);
        }
        else if (!catalogued && m.attributes?.merchant_suggested_asin === undefined) this.#recordOfferBeforeCatalogue(m.sku, 'feed UPDATE (LISTING_OFFER_ONLY)');
      } else if (m.operationType === 'PARTIAL_UPDATE') {
        if (!catalogued && touchesOffer(Object.keys(m.attributes ?? {}))) this.#recordOfferBeforeCatalogue(m.sku, 'feed PARTIAL_UPDATE');
      } else if (m.operationType === 'PATCH') {
        const targets = (m.patches ?? []).map((p) => (isObject(p) ? patchTarget(p.path) : undefined)).filter((t): t is string => t !== undefined);
        if (!catalogued && touchesOffer(targets)) this.#recordOfferBeforeCatalogue(m.sku, 'feed PATCH');
      } else {
        created.delete(m.sku);
        deleted.add(m.sku);
      }
    }
  }

  #finishFeed(feed: FakeAmazonFeed, at: number): void {
    const input = this.#documents.get(feed.inputFeedDocumentId)!;
    let outcome: { status: 'DONE' | 'FATAL'; report: ProcessingReport };
    if (this.#failFeeds > 0) {
      this.#failFeeds--;
      outcome = {
        status: 'FATAL',
        report: {
          header: { sellerId: this.sellerId, version: '2.0', feedId: feed.feedId },
          issues: [{ code: 'FAKE-INTERNAL-FAILURE', severity: 'ERROR', message: 'The feed could not be processed because of an internal error (injected by the test). Submit it again.' }],
          summary: { errors: 1, warnings: 0, messagesProcessed: 0, messagesAccepted: 0, messagesInvalid: 0 },
        },
      };
    } else {
      outcome = processFeedDocument(
        { feedId: feed.feedId, sellerId: this.sellerId, contentType: input.contentType, content: input.content },
        { apply: (m) => this.#applyMessage(m, feed.marketplaceIds), item: (sku, included) => this.#reportItem(sku, feed.marketplaceIds[0]!, included) },
      );
    }
    const { report: check } = amazonSchemas();
    if (!check(outcome.report)) throw new Error(`FakeAmazon bug: its processing report does not match Amazon's report schema: ${JSON.stringify(check.errors)}`);

    const resultId = `${FEED_DOC_PREFIX}${randomUUID()}`;
    const json = Buffer.from(JSON.stringify(outcome.report));
    this.#documents.set(resultId, {
      id: resultId,
      kind: 'result',
      contentType: 'application/json',
      content: this.#compress ? gzipSync(json) : json,
      gzip: this.#compress,
    });
    feed.processingStatus = outcome.status;
    feed.processingEndTime = new Date(at).toISOString();
    feed.resultFeedDocumentId = resultId;
    feed.report = outcome.report;
    if (outcome.status === 'DONE') {
      this.counters.feedsDone++;
      this.counters.feedMessagesProcessed += outcome.report.summary.messagesProcessed;
      this.counters.feedMessagesInvalid += outcome.report.summary.messagesInvalid;
    } else {
      this.counters.feedsFatal++;
    }
  }

  /** Applies one (schema-valid) feed message now; returns its issues. */
  #applyMessage(m: FeedMessage, marketplaceIds: readonly string[]): AmazonIssue[] {
    const now = this.clock.now();
    switch (m.operationType) {
      case 'UPDATE': {
        const issues = this.#validatePut(m.sku, m.productType, m.requirements, m.attributes, marketplaceIds);
        if (!issues.some((i) => i.severity === 'ERROR')) {
          this.#store(m.sku, m.productType!, m.requirements ?? 'LISTING', structuredClone(m.attributes) as Record<string, AttributeValues>, now);
        }
        return issues;
      }
      case 'PARTIAL_UPDATE': {
        // Documented as equivalent to PATCH with "replace" of each attribute given.
        const patches = Object.entries(m.attributes ?? {}).map(([name, value]) => ({ op: 'replace', path: `/attributes/${name}`, value }));
        const { issues, ops } = this.#validatePatch(m.sku, m.productType, patches, marketplaceIds);
        if (!issues.some((i) => i.severity === 'ERROR')) this.#patchStored(m.sku, ops, now);
        return issues;
      }
      case 'PATCH': {
        const { issues, ops } = this.#validatePatch(m.sku, m.productType, m.patches, marketplaceIds);
        if (!issues.some((i) => i.severity === 'ERROR')) this.#patchStored(m.sku, ops, now);
        return issues;
      }
      case 'DELETE':
        this.#listings.delete(m.sku);
        return [];
    }
  }

  #reportItem(sku: string, marketplaceId: string, includedData: readonly string[]): Record<string, unknown> | undefined {
    const listing = this.#listings.get(sku);
    return listing && itemJson(listing, marketplaceId, includedData);
  }

  #feedJson(feed: FakeAmazonFeed): Record<string, unknown> {
    const { report: _report, inputFeedDocumentId: _input, ...json } = feed;
    return json;
  }

  #getFeed(res: ServerResponse, feedId: string): void {
    const feed = this.#feeds.get(feedId);
    if (!feed) throw spError(404, `The feed ${feedId} was not found.`, '', 'NotFound');
    sendJson(res, 200, this.#feedJson(feed));
  }

  #cancelFeed(res: ServerResponse, feedId: string): void {
    const feed = this.#feeds.get(feedId);
    if (!feed) throw spError(404, `The feed ${feedId} was not found.`, '', 'NotFound');
    if (feed.processingStatus !== 'IN_QUEUE') throw invalidInput(`Only feeds with processingStatus=IN_QUEUE can be cancelled; feed ${feedId} is ${feed.processingStatus}.`);
    feed.processingStatus = 'CANCELLED';
    feed.processingEndTime = this.clock.date().toISOString();
    this.counters.feedsCancelled++;
    res.writeHead(200);
    res.end();
  }

  #listFeeds(res: ServerResponse, url: URL): void {
    const token = url.searchParams.get('nextToken');
    let query = url.searchParams;
    let offset = 0;
    if (token !== null) {
      if ([...url.searchParams.keys()].some((k) => k !== 'nextToken')) throw invalidInput('nextToken must be the only parameter when given.');
      try {
        const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { q: string; o: number };
        query = new URLSearchParams(decoded.q);
        offset = decoded.o;
      } catch {
        throw invalidInput('nextToken is not a token this API returned.');
      }
    }
    const probe = new URL(`http://fake/?${query.toString()}`);
    const types = csvParam(probe, 'feedTypes');
    if (types.length === 0) throw invalidInput('Either feedTypes or nextToken is required.');
    const statuses = csvParam(probe, 'processingStatuses');
    const pageSize = Number(probe.searchParams.get('pageSize') ?? 10);
    if (!(Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= 100)) throw invalidInput('pageSize must be an integer from 1 to 100.');
    const matching = [...this.#feeds.values()]
      .filter((f) => types.includes(f.feedType) && (statuses.length === 0 || statuses.includes(f.processingStatus)))
      .sort((a, b) => (a.createdTime === b.createdTime ? Number(b.feedId) - Number(a.feedId) : b.createdTime.localeCompare(a.createdTime)));
    const page = matching.slice(offset, offset + pageSize);
    const next = offset + pageSize < matching.length ? Buffer.from(JSON.stringify({ q: query.toString(), o: offset + pageSize })).toString('base64url') : undefined;
    sendJson(res, 200, { feeds: page.map((f) => this.#feedJson(f)), ...(next && { nextToken: next }) });
  }
}

function normalizeContentType(value: string): string {
  return value.toLowerCase().replace(/\s+/g, '');
}

function s3Error(res: ServerResponse, status: number, code: string, message: string): void {
  sendText(res, status, `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message><RequestId>${randomBytes(8).toString('hex').toUpperCase()}</RequestId></Error>`, 'application/xml');
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
