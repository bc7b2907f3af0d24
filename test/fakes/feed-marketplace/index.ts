// FakeFeedMarketplace: a generic batch ("feed") marketplace, shaped like Amazon's Feeds API and Mirakl's imports:
// OAuth refresh (non-rotating refresh token) and bearer auth, feeds submitted as a whole and processed asynchronously
// (IN_QUEUE → IN_PROGRESS → DONE after a few status polls), product feeds that catalogue SKUs and offer feeds that set
// price and stock — only for catalogued products, as such marketplaces do: an offer for an unknown product is refused
// and counted, so a test can assert the connector never sends one. Size limits (items, bytes), a token-bucket rate
// limit, and the usual injectable faults.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type FaultControls, Faults, findRoute, HttpError, isObject, listen, loseAnswer, type Listening, readJsonObject, retryAfterSeconds, sendJson, TokenBucket } from '../http.js';

export interface FakeFeedMarketplaceOptions {
  port?: number;
  host?: string;
  /** Messages per feed, and bytes per feed body; past them → 413. */
  maxItems?: number;
  maxBytes?: number;
  /** Status polls a feed needs before it is DONE (default 2: IN_QUEUE, IN_PROGRESS, then DONE). */
  pollsToFinish?: number;
  accessTokenTtlSeconds?: number;
  rateLimit?: { perSecond: number; burst?: number };
}

export type FeedType = 'PRODUCT' | 'OFFER';
export type FeedStatus = 'IN_QUEUE' | 'IN_PROGRESS' | 'DONE';

export interface FeedMessage {
  sku: string;
  [field: string]: unknown;
}

export interface FeedResult {
  sku: string;
  status: 'ACCEPTED' | 'INVALID';
  productId?: string;
  errors?: Array<{ code: string; message: string }>;
}

export interface FakeFeed {
  id: string;
  type: FeedType;
  messages: FeedMessage[];
  status: FeedStatus;
  polls: number;
  submittedAt: number;
  results?: FeedResult[];
}

export interface FakeProduct {
  sku: string;
  productId: string;
  title: string;
  brand: string;
  confirmedAt: number;
}

export interface FakeOffer {
  sku: string;
  price: number;
  quantity: number;
  updatedAt: number;
}

export interface FeedCounters {
  requests: number;
  feeds: number;
  productMessages: number;
  offerMessages: number;
  /** Offer messages received for a SKU whose product was not catalogued at that moment: must stay 0. */
  offersBeforeProduct: number;
  statusPolls: number;
  offerReads: number;
  rateLimited: number;
  unauthorized: number;
  tokenRefreshes: number;
  tooLarge: number;
}

const PRODUCT_FIELDS = ['title', 'brand'] as const;

export class FakeFeedMarketplace {
  readonly clientId = 'feedmarket-client';
  readonly clientSecret = randomBytes(16).toString('hex');
  readonly refreshToken = `rt-${randomBytes(12).toString('hex')}`;
  readonly feeds = new Map<string, FakeFeed>();
  readonly products = new Map<string, FakeProduct>();
  readonly offers = new Map<string, FakeOffer>();
  readonly counters: FeedCounters = {
    requests: 0,
    feeds: 0,
    productMessages: 0,
    offerMessages: 0,
    offersBeforeProduct: 0,
    statusPolls: 0,
    offerReads: 0,
    rateLimited: 0,
    unauthorized: 0,
    tokenRefreshes: 0,
    tooLarge: 0,
  };
  readonly #faults = new Faults(500);
  readonly faults: FaultControls = this.#faults;
  readonly #tokens = new Map<string, number>();
  readonly #opts: Required<Pick<FakeFeedMarketplaceOptions, 'maxItems' | 'maxBytes' | 'pollsToFinish' | 'accessTokenTtlSeconds'>>;
  readonly #bucket: TokenBucket | undefined;
  #lastFeed = 0;
  #lastProduct = 0;
  #server: Listening | undefined;

  private constructor(opts: FakeFeedMarketplaceOptions) {
    this.#opts = { maxItems: opts.maxItems ?? 1000, maxBytes: opts.maxBytes ?? 1024 * 1024, pollsToFinish: opts.pollsToFinish ?? 2, accessTokenTtlSeconds: opts.accessTokenTtlSeconds ?? 3600 };
    this.#bucket = opts.rateLimit && new TokenBucket(opts.rateLimit.perSecond, opts.rateLimit.burst);
  }

  static async start(opts: FakeFeedMarketplaceOptions = {}): Promise<FakeFeedMarketplace> {
    const fake = new FakeFeedMarketplace(opts);
    fake.#server = await listen((req, res, url) => fake.#handle(req, res, url), {
      port: opts.port,
      host: opts.host,
      errorBody: (status, message) => ({ errors: [{ code: String(status), message }] }),
    });
    return fake;
  }

  get url(): string {
    if (!this.#server) throw new Error('FakeFeedMarketplace is not started');
    return this.#server.url;
  }

  close(): Promise<void> {
    return this.#server?.close() ?? Promise.resolve();
  }

  /** Every access token issued so far is rejected from now on (the refresh token keeps working). */
  expireAccessTokens(): void {
    this.#tokens.clear();
  }

  /** Changes an offer behind the connector's back (drift for reconciliation tests). */
  setOffer(sku: string, patch: Partial<Pick<FakeOffer, 'price' | 'quantity'>>): void {
    const offer = this.offers.get(sku);
    if (!offer) throw new Error(`FakeFeedMarketplace.setOffer: no offer for ${sku}`);
    Object.assign(offer, patch, { updatedAt: Date.now() });
  }

  readonly #routes = [
    { method: 'POST', path: /^\/auth\/token\/?$/, auth: false, handle: (req: IncomingMessage, res: ServerResponse) => this.#token(req, res) },
    { method: 'POST', path: /^\/feeds\/?$/, auth: true, handle: (req: IncomingMessage, res: ServerResponse) => this.#submit(req, res) },
    { method: 'GET', path: /^\/feeds\/([^/]+)\/?$/, auth: true, handle: (_req: IncomingMessage, res: ServerResponse, [id]: string[]) => this.#status(res, id!) },
    { method: 'GET', path: /^\/offers\/?$/, auth: true, handle: (_req: IncomingMessage, res: ServerResponse, _p: string[], url: URL) => this.#readOffers(res, url) },
  ] as const;

  async #handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    this.counters.requests++;
    const forced = await this.#faults.next(this.#server!.signal);
    if (forced?.kind === 'timeout') return;
    if (forced?.kind === 'lostAnswer') loseAnswer(res); // processed, but the answer never leaves
    if (forced?.kind === 'fail') throw new HttpError(forced.status, 'Injected failure');
    if (forced?.kind === 'rateLimit') return this.#tooMany(forced.retryAfterSeconds);
    const found = findRoute(this.#routes, req.method, url.pathname);
    if (!found) throw new HttpError(404, `No route for ${req.method} ${url.pathname}`);
    if (found.route.auth) {
      const token = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
      const expires = token ? this.#tokens.get(token) : undefined;
      if (!expires || expires < Date.now()) {
        this.counters.unauthorized++;
        throw new HttpError(401, 'The access token is missing, invalid or expired');
      }
      const wait = this.#bucket?.take() ?? 0;
      if (wait > 0) return this.#tooMany(retryAfterSeconds(wait));
    }
    await found.route.handle(req, res, found.params, url);
  }

  #tooMany(seconds: number): never {
    this.counters.rateLimited++;
    throw new HttpError(429, 'Too many requests', { 'retry-after': String(seconds) });
  }

  async #token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJsonObject(req);
    if (body.grant_type !== 'refresh_token') throw new HttpError(400, 'grant_type must be refresh_token');
    if (body.client_id !== this.clientId || body.client_secret !== this.clientSecret) throw new HttpError(401, 'invalid client credentials');
    if (body.refresh_token !== this.refreshToken) throw new HttpError(400, 'invalid refresh_token');
    const token = `fm-${randomBytes(16).toString('hex')}`;
    this.#tokens.set(token, Date.now() + this.#opts.accessTokenTtlSeconds * 1000);
    this.counters.tokenRefreshes++;
    sendJson(res, 200, { access_token: token, token_type: 'bearer', expires_in: this.#opts.accessTokenTtlSeconds });
  }

  async #submit(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > this.#opts.maxBytes) {
      this.counters.tooLarge++;
      req.resume();
      throw new HttpError(413, `A feed may not exceed ${this.#opts.maxBytes} bytes`);
    }
    const body = await readJsonObject(req, Math.max(this.#opts.maxBytes, 1024));
    const type = body.type;
    if (type !== 'PRODUCT' && type !== 'OFFER') throw new HttpError(400, 'type must be PRODUCT or OFFER');
    const messages = body.messages;
    if (!Array.isArray(messages) || messages.length === 0 || !messages.every((m) => isObject(m) && typeof m.sku === 'string' && m.sku)) {
      throw new HttpError(400, 'messages must be a non-empty array of objects with a sku');
    }
    if (messages.length > this.#opts.maxItems) {
      this.counters.tooLarge++;
      throw new HttpError(413, `A feed may carry at most ${this.#opts.maxItems} messages`);
    }
    const id = `FEED-${++this.#lastFeed}`;
    const feed: FakeFeed = { id, type, messages: messages as FeedMessage[], status: 'IN_QUEUE', polls: 0, submittedAt: Date.now() };
    this.counters.feeds++;
    if (type === 'PRODUCT') this.counters.productMessages += messages.length;
    else {
      this.counters.offerMessages += messages.length;
      for (const m of feed.messages) if (!this.products.has(m.sku)) this.counters.offersBeforeProduct++;
    }
    this.feeds.set(id, feed);
    sendJson(res, 202, { feedId: id });
  }

  #status(res: ServerResponse, id: string): void {
    const feed = this.feeds.get(id);
    if (!feed) throw new HttpError(404, `Feed ${id} not found`);
    this.counters.statusPolls++;
    if (feed.status !== 'DONE') {
      feed.polls++;
      if (feed.polls > this.#opts.pollsToFinish) this.#process(feed);
      else feed.status = feed.polls > 1 ? 'IN_PROGRESS' : 'IN_QUEUE';
    }
    sendJson(res, 200, { feedId: feed.id, type: feed.type, status: feed.status, ...(feed.results && { results: feed.results }) });
  }

  /** Applies a feed: products are catalogued, offers set — only for catalogued products. */
  #process(feed: FakeFeed): void {
    feed.status = 'DONE';
    feed.results = feed.messages.map((m): FeedResult => {
      if (feed.type === 'PRODUCT') {
        const missing = PRODUCT_FIELDS.filter((f) => typeof m[f] !== 'string' || !(m[f] as string).trim());
        if (missing.length) return { sku: m.sku, status: 'INVALID', errors: missing.map((f) => ({ code: 'MISSING_FIELD', message: `${f} is required` })) };
        const existing = this.products.get(m.sku);
        const product = existing ?? { sku: m.sku, productId: `FM${String(++this.#lastProduct).padStart(8, '0')}`, title: '', brand: '', confirmedAt: Date.now() };
        Object.assign(product, { title: m.title, brand: m.brand });
        this.products.set(m.sku, product);
        return { sku: m.sku, status: 'ACCEPTED', productId: product.productId };
      }
      if (!this.products.has(m.sku)) return { sku: m.sku, status: 'INVALID', errors: [{ code: 'PRODUCT_NOT_FOUND', message: `No catalogued product for SKU ${m.sku}` }] };
      const problems = [];
      if (typeof m.price !== 'number' || !(m.price > 0)) problems.push({ code: 'INVALID_PRICE', message: 'price must be a number above 0' });
      if (!Number.isInteger(m.quantity) || (m.quantity as number) < 0) problems.push({ code: 'INVALID_QUANTITY', message: 'quantity must be an integer >= 0' });
      if (problems.length) return { sku: m.sku, status: 'INVALID', errors: problems };
      this.offers.set(m.sku, { sku: m.sku, price: m.price as number, quantity: m.quantity as number, updatedAt: Date.now() });
      return { sku: m.sku, status: 'ACCEPTED', productId: this.products.get(m.sku)!.productId };
    });
  }

  /** GET /offers?skus=a,b: what the marketplace holds now (price, quantity), for reconciliation. */
  #readOffers(res: ServerResponse, url: URL): void {
    const skus = (url.searchParams.get('skus') ?? '').split(',').filter(Boolean);
    if (!skus.length || skus.length > 100) throw new HttpError(400, 'skus: 1 to 100 SKUs, comma-separated');
    this.counters.offerReads++;
    sendJson(
      res,
      200,
      skus.map((sku) => {
        const offer = this.offers.get(sku);
        const product = this.products.get(sku);
        return { sku, productId: product?.productId ?? null, offer: offer ? { price: offer.price, quantity: offer.quantity } : null };
      }),
    );
  }
}
