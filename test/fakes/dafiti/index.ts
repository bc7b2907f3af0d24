// FakeDafiti: a real HTTP server speaking Dafiti's SellerCenter API. Every call is signed (Action, UserID, Version,
// Timestamp, Format + HMAC-SHA256 Signature) and refused with SellerCenter's ErrorResponse otherwise; ProductCreate,
// ProductUpdate, ProductRemove and Image take an XML body and answer a FeedId at once, the feed then goes Queued →
// Processing → Finished (per-record FeedErrors) or Error on the fake's scalable clock; FeedStatus, FeedList and
// GetProducts read the state back; feeds are throttled; price/stock updates for products not created yet are counted.
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeClock, FakeServerBase, hash32, HttpError, isObject, readBody, TokenBucket } from '../http.js';
import { fieldProblem, type FakeDafitiProduct, formatErrors, type FormatError, imagesOf, money, type ProductStatus, str, type XmlRecord } from './products.js';
import { signatureMatches } from './signature.js';
import { type Format, parseRequestXml, render } from './xml.js';

export type { FakeDafitiProduct, FormatError, ProductStatus } from './products.js';
export { canonicalQuery, rawUrlEncode, sellerCenterSignature, signedQuery } from './signature.js';

export type FeedStatus = 'Queued' | 'Processing' | 'Finished' | 'Error' | 'Canceled';
export type FeedAction = 'ProductCreate' | 'ProductUpdate' | 'ProductRemove' | 'Image';
const FEED_ACTIONS: readonly string[] = ['ProductCreate', 'ProductUpdate', 'ProductRemove', 'Image'];
const READ_ACTIONS: readonly string[] = ['FeedStatus', 'FeedList', 'GetProducts'];
const GET_PRODUCTS_FILTERS = ['all', 'live', 'inactive', 'deleted', 'image-missing', 'sold-out'] as const;

export interface FeedError {
  Code: number;
  Message: string;
  SellerSku: string;
}

export interface FakeDafitiFeed {
  Feed: string;
  Action: FeedAction;
  Status: FeedStatus;
  /** Marketplace time, "YYYY-MM-DD HH:MM:SS" as SellerCenter writes it. */
  CreationDate: string;
  UpdatedDate: string;
  TotalRecords: number;
  ProcessedRecords: number;
  FailedRecords: number;
  FeedErrors: FeedError[];
  /** The records of the request, as parsed. */
  records: XmlRecord[];
  /** Marketplace time (ms) when the request arrived, before its body was read and parsed (CreationDate is stamped
   * after, to the second): when the client sent it, for checking a client's pacing. */
  receivedAt: number;
}

/** A price/stock/status update received for a SellerSku whose product was not created (yet). */
export interface DafitiOfferBeforeCatalogue {
  sellerSku: string;
  /** The offer fields the record carried (Price, SalePrice, Quantity, Status). */
  fields: string[];
  feedId: string;
  /** Marketplace time (ISO-8601). */
  at: string;
}

export interface FakeDafitiOptions {
  /** The API user (an e-mail address), sent as UserID. */
  userId?: string;
  /** The user's API key: the HMAC key of every signature. */
  apiKey?: string;
  port?: number;
  host?: string;
  /** See FakeClock (1 = real time, 60 = a marketplace minute per real second, 0 = frozen); ignored with `clock`. */
  timeScale?: number;
  clock?: FakeClock;
  /** How far (real ms) a call's Timestamp may be from the real time before E003 "Timestamp has expired" (default 5 min).
   * Real time, not the marketplace clock: the client signs with its own wall clock. */
  timestampToleranceMs?: number;
  /** Marketplace ms a feed stays Queued (default 30 s), then Processing (default 60 s). */
  delays?: { feedQueuedMs?: number; feedProcessingMs?: number };
  /** Feed throttling: at most `maxPendingFeeds` feeds Queued or Processing per seller (default 5); optionally at most
   * `requestsPerMinute` calls a minute (marketplace time). Past either → E429. */
  throttle?: { maxPendingFeeds?: number | false; requestsPerMinute?: number | false };
  /** Brands and category ids SellerCenter knows; unset = any. */
  brands?: string[];
  categories?: number[];
  /** At most this many images per product (default 8). */
  maxImages?: number;
  /** Largest accepted request body (default 10 MiB), else E011 Request too Big. */
  maxBodyBytes?: number;
}

export interface DafitiCounters {
  /** Every request received, whatever its outcome. */
  requests: number;
  /** Calls refused before any action: missing parameters, bad version, timestamp or signature (E001–E007). */
  rejectedAuth: number;
  /** E429 answers, forced or from throttling. */
  throttled: number;
  /** Synchronous "Format Error Detected" answers. */
  formatErrors: number;
  feedsCreated: number;
  feedsFinished: number;
  feedsError: number;
  /** Records that failed inside finished feeds. */
  recordsFailed: number;
  getProducts: number;
  /** Price/stock/status updates for products not created yet (see `offersBeforeCatalogued`). */
  offersBeforeCatalogued: number;
}

const ERROR_MESSAGES: Record<number, string> = {
  1: 'E001: Parameter %s is mandatory',
  2: 'E002: Invalid Version',
  3: 'E003: Timestamp has expired',
  4: 'E004: Invalid Timestamp format',
  5: 'E005: Invalid Request Format',
  6: 'E006: Unexpected internal error',
  7: 'E007: Login failed. Signature mismatching',
  8: 'E008: Invalid Action',
  9: 'E009: Access Denied',
  11: 'E011: Request too Big',
  12: 'E012: Invalid Feed ID',
  30: 'E030: Empty Request',
  429: 'E429: Too many requests',
  1000: 'Format Error Detected',
};

/** An answer in SellerCenter's ErrorResponse shape (sent with HTTP 200 like SellerCenter, except 429 and 5xx). */
class SellerCenterError extends Error {
  constructor(
    readonly code: number,
    readonly detail?: string,
    readonly body: unknown = '',
    readonly httpStatus = code === 429 ? 429 : code === 6 ? 500 : 200,
    readonly headers: Record<string, string> = {},
  ) {
    super((ERROR_MESSAGES[code] ?? `E${code}`).replace('%s', detail ?? ''));
  }
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;

/** "2015-07-01T11:11:11+0000", SellerCenter's Head timestamp. */
function headTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+0000');
}

/** "2015-07-01 11:11:11", SellerCenter's feed dates. */
function feedDate(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, '');
}

/** `url` stands in for `https://sellercenter-api.dafiti.com.br` (every action on `/`, chosen by the Action parameter). */
export class FakeDafiti extends FakeServerBase<DafitiCounters> {
  readonly userId: string;
  readonly apiKey: string;
  readonly clock: FakeClock;
  readonly counters: DafitiCounters = {
    requests: 0,
    rejectedAuth: 0,
    throttled: 0,
    formatErrors: 0,
    feedsCreated: 0,
    feedsFinished: 0,
    feedsError: 0,
    recordsFailed: 0,
    getProducts: 0,
    offersBeforeCatalogued: 0,
  };
  /** Every price/stock/status update for a product not created yet, oldest first. */
  readonly offersBeforeCatalogued: DafitiOfferBeforeCatalogue[] = [];
  readonly #products = new Map<string, FakeDafitiProduct>();
  readonly #feeds = new Map<string, FakeDafitiFeed>();
  readonly #tolerance: number;
  readonly #delays: Required<NonNullable<FakeDafitiOptions['delays']>>;
  readonly #maxPending: number | undefined;
  readonly #bucket: TokenBucket | undefined;
  readonly #brands: ReadonlySet<string> | undefined;
  readonly #categories: ReadonlySet<string> | undefined;
  readonly #maxImages: number;
  readonly #maxBody: number;
  #failFeeds = 0;

  private constructor(opts: FakeDafitiOptions) {
    super(500);
    this.userId = opts.userId ?? 'integracao@loja-exemplo.com.br';
    this.apiKey = opts.apiKey ?? randomBytes(20).toString('hex');
    this.clock = opts.clock ?? new FakeClock({ timeScale: opts.timeScale ?? 1 });
    this.#tolerance = opts.timestampToleranceMs ?? 5 * 60_000;
    this.#delays = { feedQueuedMs: 30_000, feedProcessingMs: 60_000, ...opts.delays };
    const maxPending = opts.throttle?.maxPendingFeeds ?? 5;
    this.#maxPending = maxPending === false ? undefined : maxPending;
    const perMinute = opts.throttle?.requestsPerMinute;
    this.#bucket = perMinute ? new TokenBucket(perMinute / 60, perMinute) : undefined;
    this.#brands = opts.brands && new Set(opts.brands);
    this.#categories = opts.categories && new Set(opts.categories.map(String));
    this.#maxImages = opts.maxImages ?? 8;
    this.#maxBody = opts.maxBodyBytes ?? 10 * 1024 * 1024;
  }

  static async start(opts: FakeDafitiOptions = {}): Promise<FakeDafiti> {
    const fake = new FakeDafiti(opts);
    await fake.serve((req, res, url) => fake.#handle(req, res, url), {
      port: opts.port,
      host: opts.host,
      // Only for failures outside SellerCenter's own answers (a bug in the fake): the ErrorResponse shape in JSON.
      errorBody: (_status, message) => ({ ErrorResponse: { Head: { RequestAction: '', ErrorType: 'Platform', ErrorCode: '6', ErrorMessage: message }, Body: '' } }),
    });
    return fake;
  }

  // ---- state (tests) ----

  getProduct(sellerSku: string): FakeDafitiProduct | undefined {
    this.clock.settle();
    const p = this.#products.get(sellerSku);
    return p && structuredClone(p);
  }

  products(): FakeDafitiProduct[] {
    this.clock.settle();
    return [...this.#products.values()].map((p) => structuredClone(p));
  }

  getFeed(feedId: string): FakeDafitiFeed | undefined {
    this.clock.settle();
    const f = this.#feeds.get(feedId);
    return f && structuredClone(f);
  }

  feeds(): FakeDafitiFeed[] {
    this.clock.settle();
    return [...this.#feeds.values()].map((f) => structuredClone(f));
  }

  /** Creates a product directly, as if created long ago. */
  seedProduct(product: Partial<FakeDafitiProduct> & Pick<FakeDafitiProduct, 'SellerSku'>): FakeDafitiProduct {
    const now = this.clock.date().toISOString();
    const p: FakeDafitiProduct = {
      ShopSku: this.#shopSku(product.SellerSku),
      Name: product.SellerSku,
      Brand: 'Generic',
      Description: '',
      PrimaryCategory: '1',
      Price: 1,
      Quantity: 0,
      Status: 'active',
      Images: [],
      ProductData: {},
      createdAt: now,
      updatedAt: now,
      ...structuredClone(product),
    };
    this.#products.set(p.SellerSku, p);
    return structuredClone(p);
  }

  /** The next `n` feeds to finish end in status Error (a SellerCenter-side failure; nothing of them is applied). */
  failNextFeeds(n: number): void {
    this.#failFeeds += n;
  }

  override resetCounters(): void {
    super.resetCounters();
    this.offersBeforeCatalogued.length = 0;
  }

  // ---- HTTP ----

  async #handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    this.counters.requests++;
    const receivedAt = this.clock.now();
    const params = Object.fromEntries(url.searchParams);
    const format: Format = params.Format?.toUpperCase() === 'JSON' ? 'JSON' : 'XML';
    // Action names are matched case-insensitively ("Feedlist" works), and answered with their canonical spelling.
    const action = [...FEED_ACTIONS, ...READ_ACTIONS].find((a) => a.toLowerCase() === params.Action?.toLowerCase()) ?? params.Action ?? '';
    try {
      const answered = await this.playFaults({
        fail: (status) => new SellerCenterError(status >= 500 ? 6 : 5, undefined, '', status),
        rateLimit: (seconds) => {
          this.counters.throttled++;
          return new SellerCenterError(429, undefined, '', 429, { 'retry-after': String(seconds) });
        },
      });
      if (!answered) return; // a scripted timeout: never answered, close() drops the socket
      this.clock.settle();
      if (url.pathname !== '/') throw new HttpError(404, `SellerCenter answers on / only (got ${url.pathname})`);
      this.#authenticate(params, format);
      if (this.#bucket) {
        const waitMs = this.#bucket.take(this.clock.now());
        if (waitMs > 0) {
          this.counters.throttled++;
          throw new SellerCenterError(429, undefined, '', 429, { 'retry-after': String(this.clock.retryAfterSeconds(waitMs)) });
        }
      }
      if (FEED_ACTIONS.includes(action)) {
        if (req.method !== 'POST') throw new SellerCenterError(5, undefined, { ErrorDetail: { Field: 'Method', Message: `${action} must be sent with POST and an XML body`, Value: req.method ?? '' } });
        return await this.#feedAction(req, res, action as FeedAction, format, receivedAt);
      }
      if (action === 'FeedStatus') return this.#feedStatus(res, params, format);
      if (action === 'FeedList') return this.#feedList(res, format);
      return this.#getProducts(res, params, format);
    } catch (err) {
      if (!(err instanceof SellerCenterError)) throw err;
      const root = { ErrorResponse: { Head: { RequestAction: action, ErrorType: err.httpStatus >= 500 ? 'Platform' : 'Sender', ErrorCode: String(err.code), ErrorMessage: err.message }, Body: err.body } };
      const { body, contentType } = render(root, format);
      res.writeHead(err.httpStatus, { 'content-type': contentType, ...err.headers });
      res.end(body);
    }
  }

  /** SellerCenter's checks, in its order; each failure is an E00x ErrorResponse. */
  #authenticate(params: Record<string, string>, format: Format): void {
    const fail = (code: number, detail?: string): never => {
      this.counters.rejectedAuth++;
      throw new SellerCenterError(code, detail);
    };
    if (!params.Action) fail(1, 'Action');
    if (![...FEED_ACTIONS, ...READ_ACTIONS].some((a) => a.toLowerCase() === params.Action!.toLowerCase())) fail(8);
    if (params.Format !== undefined && format !== params.Format.toUpperCase()) throw new SellerCenterError(5, undefined, { ErrorDetail: { Field: 'Format', Message: 'Format must be JSON or XML', Value: params.Format } });
    for (const name of ['UserID', 'Version', 'Timestamp', 'Signature']) if (!params[name]) fail(1, name);
    if (params.Version !== '1.0') fail(2);
    const ts = params.Timestamp!;
    if (!ISO_WITH_ZONE.test(ts) || Number.isNaN(Date.parse(ts))) fail(4);
    if (Math.abs(Date.now() - Date.parse(ts)) > this.#tolerance) fail(3);
    // An unknown user has no key to check against: the signature cannot match either.
    if (params.UserID !== this.userId || !signatureMatches(params, this.apiKey, params.Signature!)) fail(7);
  }

  #send(res: ServerResponse, action: string, format: Format, body: unknown, head: { RequestId?: string; ResponseType?: string } = {}): void {
    const root = { SuccessResponse: { Head: { RequestId: head.RequestId ?? '', RequestAction: action, ResponseType: head.ResponseType ?? '', Timestamp: headTimestamp(this.clock.now()) }, Body: body } };
    const { body: text, contentType } = render(root, format);
    res.writeHead(200, { 'content-type': contentType });
    res.end(text);
  }

  #shopSku(sellerSku: string): string {
    return `${sellerSku.replace(/[^A-Za-z0-9]/g, '').slice(0, 8).toUpperCase()}${(hash32('dafiti', sellerSku) % 1_000_000).toString().padStart(6, '0')}-${(hash32(sellerSku) % 100000).toString().padStart(5, '0')}`;
  }

  async #feedAction(req: IncomingMessage, res: ServerResponse, action: FeedAction, format: Format, receivedAt: number): Promise<void> {
    let text: string;
    try {
      text = await readBody(req, this.#maxBody);
    } catch (err) {
      if (err instanceof HttpError && err.status === 413) throw new SellerCenterError(11);
      throw err;
    }
    if (text.trim() === '') throw new SellerCenterError(30);
    let doc: Record<string, unknown>;
    try {
      doc = parseRequestXml(text);
    } catch (err) {
      throw new SellerCenterError(5, undefined, { ErrorDetail: { Field: 'Request', Message: `The body is not well-formed XML: ${(err as Error).message}`, Value: '' } });
    }
    const root = isObject(doc.Request) ? doc.Request : undefined;
    const element = action === 'Image' ? 'ProductImage' : 'Product';
    const records = root && Array.isArray(root[element]) ? (root[element] as unknown[]).filter(isObject) : [];
    if (records.length === 0) throw new SellerCenterError(30, undefined, { ErrorDetail: { Field: 'Request', Message: `Expected <Request> with at least one <${element}>`, Value: '' } });
    const errors = formatErrors(records, action);
    if (errors.length > 0) {
      this.counters.formatErrors++;
      throw new SellerCenterError(1000, undefined, { ErrorDetail: errors });
    }
    if (this.#maxPending !== undefined) {
      const pending = [...this.#feeds.values()].filter((f) => f.Status === 'Queued' || f.Status === 'Processing');
      if (pending.length >= this.#maxPending) {
        this.counters.throttled++;
        const created = Math.min(...pending.map((f) => Date.parse(`${f.CreationDate.replace(' ', 'T')}Z`)));
        const waitMs = created + this.#delays.feedQueuedMs + this.#delays.feedProcessingMs - this.clock.now();
        throw new SellerCenterError(429, undefined, { ErrorDetail: { Field: 'Feed', Message: `At most ${this.#maxPending} feeds may be queued or processing at once; wait for one to finish`, Value: String(pending.length) } }, 429, {
          'retry-after': String(this.clock.retryAfterSeconds(Math.max(1000, waitMs))),
        });
      }
    }

    const now = this.clock.now();
    const feed: FakeDafitiFeed = {
      Feed: randomUUID(),
      Action: action,
      Status: 'Queued',
      CreationDate: feedDate(now),
      UpdatedDate: feedDate(now),
      TotalRecords: records.length,
      ProcessedRecords: 0,
      FailedRecords: 0,
      FeedErrors: [],
      records,
      receivedAt,
    };
    this.#feeds.set(feed.Feed, feed);
    this.counters.feedsCreated++;
    if (action === 'ProductUpdate') this.#recordEarlyOffers(feed);
    this.clock.after(this.#delays.feedQueuedMs, (at) => {
      feed.Status = 'Processing';
      feed.UpdatedDate = feedDate(at);
      this.clock.schedule(at + this.#delays.feedProcessingMs, (end) => this.#finishFeed(feed, end));
    });
    this.#send(res, action, format, '', { RequestId: feed.Feed });
  }

  /** As a ProductUpdate is received: records each price/stock/status update for a SellerSku that has no product at that
   * moment (its ProductCreate feed not finished, or never sent). Processing, later, refuses those still without one. */
  #recordEarlyOffers(feed: FakeDafitiFeed): void {
    const at = this.clock.date().toISOString();
    for (const record of feed.records) {
      const sku = str(record.SellerSku)!.trim();
      const product = this.#products.get(sku);
      if (product && product.Status !== 'deleted') continue;
      const fields = ['Price', 'SalePrice', 'Quantity', 'Status'].filter((f) => (str(record[f]) ?? '') !== '');
      if (fields.length === 0) continue;
      this.counters.offersBeforeCatalogued++;
      this.offersBeforeCatalogued.push({ sellerSku: sku, fields, feedId: feed.Feed, at });
    }
  }

  #finishFeed(feed: FakeDafitiFeed, at: number): void {
    feed.UpdatedDate = feedDate(at);
    if (this.#failFeeds > 0) {
      this.#failFeeds--;
      feed.Status = 'Error';
      feed.FeedErrors = [{ Code: 6, Message: 'E006: Unexpected internal error (injected by the test): the feed was not processed; send it again', SellerSku: '' }];
      this.counters.feedsError++;
      return;
    }
    const when = new Date(at).toISOString();
    for (const record of feed.records) {
      const sku = str(record.SellerSku)!.trim();
      const problems = this.#applyRecord(feed, record, sku, when);
      feed.ProcessedRecords++;
      if (problems.length > 0) {
        feed.FailedRecords++;
        this.counters.recordsFailed++;
        for (const Message of problems) feed.FeedErrors.push({ Code: 0, Message, SellerSku: sku });
      }
    }
    feed.Status = 'Finished';
    this.counters.feedsFinished++;
  }

  /** Applies one record of a processed feed; returns its problems (nothing is applied when there are any). */
  #applyRecord(feed: FakeDafitiFeed, record: XmlRecord, sku: string, when: string): string[] {
    const existing = this.#products.get(sku);
    const live = existing && existing.Status !== 'deleted' ? existing : undefined;
    switch (feed.Action) {
      case 'ProductCreate': {
        const problems: string[] = [];
        if (live) return [fieldProblem('SellerSku', sku, 'A product with this SellerSku already exists; use ProductUpdate')];
        for (const field of ['Name', 'Brand', 'PrimaryCategory', 'Description', 'Price']) {
          if ((str(record[field]) ?? '').trim() === '') problems.push(fieldProblem(field, record[field], 'Field is required'));
        }
        const brand = str(record.Brand)?.trim();
        if (brand && this.#brands && !this.#brands.has(brand)) problems.push(fieldProblem('Brand', brand, 'This brand does not exist in our database. Please contact our support.'));
        const category = str(record.PrimaryCategory)?.trim();
        if (category && this.#categories && !this.#categories.has(category)) problems.push(fieldProblem('PrimaryCategory', category, 'Primary category Id is invalid'));
        problems.push(...this.#saleProblems(record, undefined));
        if (problems.length > 0) return problems;
        const data = isObject(record.ProductData) ? Object.fromEntries(Object.entries(record.ProductData).map(([k, v]) => [k, str(v) ?? ''])) : {};
        const optional = (name: string) => {
          const v = str(record[name])?.trim();
          return v ? { [name]: v } : {};
        };
        this.#products.set(sku, {
          SellerSku: sku,
          ShopSku: existing?.ShopSku ?? this.#shopSku(sku),
          Name: str(record.Name)!.trim(),
          Brand: brand!,
          Description: str(record.Description)!.trim(),
          PrimaryCategory: category!,
          Price: Number(str(record.Price)),
          Quantity: Number(str(record.Quantity) || 0),
          Status: (str(record.Status) || 'active') as ProductStatus,
          Images: [],
          ProductData: data,
          createdAt: when,
          updatedAt: when,
          ...optional('Categories'),
          ...optional('ProductId'),
          ...optional('ParentSku'),
          ...optional('Variation'),
          ...optional('Condition'),
          ...(str(record.SalePrice) ? { SalePrice: Number(str(record.SalePrice)) } : {}),
          ...optional('SaleStartDate'),
          ...optional('SaleEndDate'),
        } as FakeDafitiProduct);
        return [];
      }
      case 'ProductUpdate': {
        if (!live) return [fieldProblem('SellerSku', sku, 'Product with this SellerSku does not exist (create it with ProductCreate and wait for its feed to finish)')];
        const problems = this.#saleProblems(record, live);
        if (problems.length > 0) return problems;
        const set = (name: 'Name' | 'Description' | 'Brand' | 'PrimaryCategory' | 'SaleStartDate' | 'SaleEndDate' | 'ProductId') => {
          const v = str(record[name])?.trim();
          if (v) live[name] = v;
        };
        for (const name of ['Name', 'Description', 'Brand', 'PrimaryCategory', 'SaleStartDate', 'SaleEndDate', 'ProductId'] as const) set(name);
        if (str(record.Price)) live.Price = Number(str(record.Price));
        if (str(record.SalePrice)) live.SalePrice = Number(str(record.SalePrice));
        if (str(record.Quantity)) live.Quantity = Number(str(record.Quantity));
        if (str(record.Status)) live.Status = str(record.Status) as ProductStatus;
        // ProductUpdate takes ProductCreate's fields, category attributes included: those sent replace their values.
        if (isObject(record.ProductData)) for (const [k, v] of Object.entries(record.ProductData)) live.ProductData[k] = str(v) ?? '';
        live.updatedAt = when;
        return [];
      }
      case 'ProductRemove':
        if (!live) return [fieldProblem('SellerSku', sku, 'Product with this SellerSku does not exist')];
        live.Status = 'deleted';
        live.updatedAt = when;
        return [];
      case 'Image': {
        if (!live) return [fieldProblem('SellerSku', sku, 'Product with this SellerSku does not exist (create it before sending its images)')];
        const images = imagesOf(record);
        if (images.length > this.#maxImages) return [fieldProblem('Images', String(images.length), `At most ${this.#maxImages} images per product`)];
        live.Images = images;
        live.updatedAt = when;
        return [];
      }
    }
  }

  /** Sale price rules: below the price, and only with SaleStartDate and SaleEndDate (start before end). */
  #saleProblems(record: XmlRecord, product: FakeDafitiProduct | undefined): string[] {
    const sale = str(record.SalePrice)?.trim();
    if (!sale) return [];
    const problems: string[] = [];
    const price = str(record.Price)?.trim() ? Number(str(record.Price)) : product?.Price;
    if (price !== undefined && Number(sale) >= price) problems.push(fieldProblem('SalePrice', sale, `SalePrice must be lower than Price (${money(price)})`));
    const start = str(record.SaleStartDate)?.trim() || product?.SaleStartDate;
    const end = str(record.SaleEndDate)?.trim() || product?.SaleEndDate;
    if (!start) problems.push(fieldProblem('SaleStartDate', '', 'SaleStartDate is required when SalePrice is set'));
    if (!end) problems.push(fieldProblem('SaleEndDate', '', 'SaleEndDate is required when SalePrice is set'));
    if (start && end && Date.parse(start) >= Date.parse(end)) problems.push(fieldProblem('SaleEndDate', end, 'SaleEndDate must be after SaleStartDate'));
    return problems;
  }

  #feedJson(feed: FakeDafitiFeed): Record<string, unknown> {
    return {
      Feed: feed.Feed,
      Status: feed.Status,
      Action: feed.Action,
      CreationDate: feed.CreationDate,
      UpdatedDate: feed.UpdatedDate,
      Source: 'api',
      TotalRecords: feed.TotalRecords,
      ProcessedRecords: feed.ProcessedRecords,
      FailedRecords: feed.FailedRecords,
      FeedErrors: feed.FeedErrors.length > 0 ? { Error: feed.FeedErrors } : '',
      FeedWarnings: '',
    };
  }

  #feedStatus(res: ServerResponse, params: Record<string, string>, format: Format): void {
    if (!params.FeedID) throw new SellerCenterError(1, 'FeedID');
    const feed = this.#feeds.get(params.FeedID);
    if (!feed) throw new SellerCenterError(12);
    this.#send(res, 'FeedStatus', format, { FeedDetail: this.#feedJson(feed) }, { ResponseType: 'FeedDetail' });
  }

  #feedList(res: ServerResponse, format: Format): void {
    const feeds = [...this.#feeds.values()].sort((a, b) => b.CreationDate.localeCompare(a.CreationDate));
    const list = feeds.map((f) => {
      const { FeedErrors: _errors, FeedWarnings: _warnings, ...summary } = this.#feedJson(f);
      return summary;
    });
    this.#send(res, 'FeedList', format, list.length > 0 ? { Feed: list } : '', { ResponseType: 'Feed' });
  }

  #getProducts(res: ServerResponse, params: Record<string, string>, format: Format): void {
    const filter = params.Filter ?? 'all';
    if (!(GET_PRODUCTS_FILTERS as readonly string[]).includes(filter)) {
      throw new SellerCenterError(5, undefined, { ErrorDetail: { Field: 'Filter', Message: `Filter must be one of ${GET_PRODUCTS_FILTERS.join(', ')}`, Value: filter } });
    }
    let skus: string[] | undefined;
    if (params.SkuSellerList !== undefined) {
      try {
        const parsed: unknown = JSON.parse(params.SkuSellerList);
        if (!Array.isArray(parsed) || !parsed.every((s) => typeof s === 'string')) throw new Error('not an array of strings');
        skus = parsed;
      } catch {
        throw new SellerCenterError(5, undefined, { ErrorDetail: { Field: 'SkuSellerList', Message: 'SkuSellerList must be a JSON array of SellerSku strings, e.g. ["A1","B2"]', Value: params.SkuSellerList } });
      }
    }
    const limit = Number(params.Limit ?? 1000);
    const offset = Number(params.Offset ?? 0);
    if (!(Number.isInteger(limit) && limit >= 1 && limit <= 5000) || !(Number.isInteger(offset) && offset >= 0)) {
      throw new SellerCenterError(5, undefined, { ErrorDetail: { Field: 'Limit', Message: 'Limit must be 1–5000 and Offset >= 0', Value: `${params.Limit ?? ''}/${params.Offset ?? ''}` } });
    }
    const match = (p: FakeDafitiProduct): boolean => {
      switch (filter) {
        case 'live':
          return p.Status === 'active' && p.Quantity > 0 && p.Images.length > 0;
        case 'inactive':
          return p.Status === 'inactive';
        case 'deleted':
          return p.Status === 'deleted';
        case 'image-missing':
          return p.Status !== 'deleted' && p.Images.length === 0;
        case 'sold-out':
          return p.Status !== 'deleted' && p.Quantity === 0;
        default:
          return p.Status !== 'deleted';
      }
    };
    this.counters.getProducts++;
    const list = [...this.#products.values()].filter((p) => match(p) && (!skus || skus.includes(p.SellerSku))).sort((a, b) => a.SellerSku.localeCompare(b.SellerSku));
    const page = list.slice(offset, offset + limit).map((p) => ({
      SellerSku: p.SellerSku,
      ShopSku: p.ShopSku,
      Name: p.Name,
      Brand: p.Brand,
      Description: p.Description,
      PrimaryCategory: p.PrimaryCategory,
      Variation: p.Variation ?? '',
      ParentSku: p.ParentSku ?? p.SellerSku,
      Quantity: p.Quantity,
      Available: p.Status === 'active' ? p.Quantity : 0,
      Price: money(p.Price),
      SalePrice: p.SalePrice === undefined ? '' : money(p.SalePrice),
      SaleStartDate: p.SaleStartDate ?? '',
      SaleEndDate: p.SaleEndDate ?? '',
      Status: p.Status,
      ProductId: p.ProductId ?? '',
      Url: `https://www.dafiti.com.br/${p.ShopSku}.html`,
      MainImage: p.Images[0] ?? '',
      Images: p.Images.length > 0 ? { Image: p.Images } : '',
    }));
    this.#send(res, 'GetProducts', format, { Products: page.length > 0 ? { Product: page } : '' }, { ResponseType: 'Products' });
  }
}
