// FakeMercadoLivre: a real HTTP server with Mercado Livre's OAuth refresh (single-use, rotating refresh tokens),
// bearer auth, the items API with ML's validation causes, a token-bucket rate limit and injectable faults.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  FakeServerBase,
  findRoute,
  HttpError,
  isObject,
  readJsonObject,
  readOAuthParams,
  retryAfterSeconds,
  sendJson,
  slugify,
  TokenBucket,
} from '../http.js';
import { applyItemUpdate, type FakeMlItem, type MlCause, settleStock, toAttributes, toPictures, validateItemUpdate, validateNewItem } from './items.js';

export type { FakeMlAttribute, FakeMlItem, FakeMlPicture, FakeMlStatus, MlCause } from './items.js';
export { MAX_PICTURES, MAX_TITLE_LENGTH } from './items.js';

export interface FakeMercadoLivreOptions {
  port?: number;
  host?: string;
  clientId?: string;
  clientSecret?: string;
  initialRefreshToken?: string;
  /** Default 21600 (6 h), as ML. */
  accessTokenTtlSeconds?: number;
  /** Token bucket over every authenticated request; past it → 429. `burst` defaults to `perSecond`; Retry-After
   * defaults to the time until the next token (at least 1 s). */
  rateLimit?: { perSecond: number; burst?: number; retryAfterSeconds?: number };
}

export interface MlCounters {
  /** Successful creates / updates; GETs (single and multiget) answered. */
  creates: number;
  updates: number;
  gets: number;
  /** 400 answers of the items API (validation and business rules). */
  rejected: number;
  /** 429 answers, forced or from the token bucket. */
  rateLimited: number;
  unauthorized: number;
  tokenRefreshes: number;
  /** Every request received, whatever its outcome. */
  requests: number;
  /** Most authenticated requests let through the rate limit within any 1-second window. */
  maxObservedPerSecond: number;
  /** Item searches by seller SKU. */
  searches: number;
  /** Successful creates per seller SKU (seller_custom_field), to check nothing is created twice. */
  createsBySku: Map<string, number>;
  /** Authenticated requests let through, per access token (which runtime or integration sent them). */
  requestsByToken: Map<string, number>;
}

interface MlRoute {
  method: string;
  path: RegExp;
  /** false only for /oauth/token. */
  auth: boolean;
  handle: (req: IncomingMessage, res: ServerResponse, params: string[], url: URL) => Promise<void> | void;
}

const MULTIGET_MAX_IDS = 20;
const OAUTH_PARAMS = ['grant_type', 'client_id', 'client_secret', 'refresh_token'];

/** An error in ML's shape; `error` is ML's code (invalid_grant, not_found, …). */
function mlError(status: number, error: string, message: string): HttpError {
  return new HttpError(status, message, {}, { message, error, status, cause: [] });
}

/** 400 listing every cause, as ML answers a bad item. */
function validationError(cause: MlCause[]): HttpError {
  return new HttpError(400, 'Validation error', {}, { message: 'Validation error', error: 'validation_error', status: 400, cause });
}

const ERROR_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  404: 'not_found',
  413: 'request_entity_too_large',
  429: 'too_many_requests',
  500: 'internal_error',
  503: 'service_unavailable',
};

/** `url` stands in for `https://api.mercadolibre.com`. */
export class FakeMercadoLivre extends FakeServerBase<MlCounters> {
  readonly clientId: string;
  readonly clientSecret: string;
  /** The seller the tokens belong to (`user_id`, items' `seller_id`). */
  readonly userId = 241_017_893;
  readonly items = new Map<string, FakeMlItem>();
  readonly counters: MlCounters = {
    creates: 0,
    updates: 0,
    gets: 0,
    rejected: 0,
    rateLimited: 0,
    unauthorized: 0,
    tokenRefreshes: 0,
    requests: 0,
    maxObservedPerSecond: 0,
    searches: 0,
    createsBySku: new Map(),
    requestsByToken: new Map(),
  };
  /** performance.now() of every authenticated request let through, for rate measurements. */
  readonly acceptedAt: number[] = [];
  readonly #accessTokens = new Map<string, number>(); // token → expiry (ms since epoch)
  readonly #ttlSeconds: number;
  readonly #bucket: TokenBucket | undefined;
  readonly #fixedRetryAfter: number | undefined;
  /** Times of the requests accepted in the last second, oldest first. */
  readonly #window: number[] = [];
  #refreshToken: string;
  #lastItemNumber = 0;

  private constructor(opts: FakeMercadoLivreOptions) {
    super(500);
    this.clientId = opts.clientId ?? '1234567890123456';
    this.clientSecret = opts.clientSecret ?? randomBytes(24).toString('base64url');
    this.#refreshToken = opts.initialRefreshToken ?? this.#newRefreshToken();
    this.#ttlSeconds = opts.accessTokenTtlSeconds ?? 21_600;
    this.#bucket = opts.rateLimit && new TokenBucket(opts.rateLimit.perSecond, opts.rateLimit.burst);
    this.#fixedRetryAfter = opts.rateLimit?.retryAfterSeconds;
  }

  static async start(opts: FakeMercadoLivreOptions = {}): Promise<FakeMercadoLivre> {
    const fake = new FakeMercadoLivre(opts);
    await fake.serve((req, res, url) => fake.#handle(req, res, url), {
      port: opts.port,
      host: opts.host,
      errorBody: (status, message) => ({ message, error: ERROR_CODES[status] ?? 'error', status, cause: [] }),
    });
    return fake;
  }

  /** The one refresh token that works now; each successful refresh replaces it. */
  get refreshToken(): string {
    return this.#refreshToken;
  }

  /** A fresh valid access token, as if the seller had just authorised the app. */
  issueAccessToken(): string {
    const stamp = new Date().toISOString().replace(/\D/g, '').slice(4, 10); // MMDDHH, as in real tokens
    const token = `APP_USR-${this.clientId}-${stamp}-${randomBytes(16).toString('hex')}-${this.userId}`;
    this.#accessTokens.set(token, Date.now() + this.#ttlSeconds * 1000);
    return token;
  }

  /** While true, every access token is refused with 401 (an outage of ML's auth); they work again after. */
  refuseAllTokens = false;

  /** Every access token issued so far is now rejected with 401 (refresh tokens stay valid). */
  expireAccessTokens(): void {
    this.#accessTokens.clear();
  }

  /** The item whose seller SKU (the SELLER_SKU attribute or seller_custom_field) is `sku`. */
  getItemBySellerSku(sku: string): FakeMlItem | undefined {
    for (const item of this.items.values()) {
      if (item.seller_custom_field === sku || item.attributes.some((a) => a.id === 'SELLER_SKU' && a.value_name === sku)) return item;
    }
    return undefined;
  }

  /** Simulates a sale: sold_quantity += qty, available_quantity -= qty (ML pauses the item at 0). */
  sell(id: string, qty = 1): FakeMlItem {
    const item = this.items.get(id);
    if (!item || item.status === 'closed') throw new Error(`FakeMercadoLivre.sell: ${id} is unknown or closed`);
    if (!(Number.isInteger(qty) && qty >= 1 && qty <= item.available_quantity)) {
      throw new Error(`FakeMercadoLivre.sell: cannot sell ${qty} of ${id} (available ${item.available_quantity})`);
    }
    item.sold_quantity += qty;
    item.available_quantity -= qty;
    settleStock(item);
    return item;
  }

  override resetCounters(): void {
    super.resetCounters();
    this.#window.length = 0;
    this.acceptedAt.length = 0;
  }

  // ---- HTTP ----

  readonly #routes: readonly MlRoute[] = [
    { method: 'POST', path: /^\/oauth\/token\/?$/, auth: false, handle: (req, res, _p, url) => this.#token(req, res, url) },
    { method: 'POST', path: /^\/items\/?$/, auth: true, handle: (req, res) => this.#create(req, res) },
    { method: 'GET', path: /^\/items\/?$/, auth: true, handle: (_req, res, _p, url) => this.#multiget(res, url) },
    { method: 'GET', path: /^\/items\/([^/]+)\/?$/, auth: true, handle: (_req, res, [id]) => this.#get(res, id!) },
    { method: 'PUT', path: /^\/items\/([^/]+)\/?$/, auth: true, handle: (req, res, [id]) => this.#update(req, res, id!) },
    { method: 'GET', path: /^\/users\/me\/?$/, auth: true, handle: (_req, res) => {
      this.counters.gets++;
      sendJson(res, 200, { id: this.userId, nickname: 'FAKESELLER', site_id: 'MLB' });
    } },
    { method: 'GET', path: /^\/users\/(\d+)\/items\/search\/?$/, auth: true, handle: (_req, res, [user], url) => this.#search(res, user!, url) },
  ];

  /** GET /users/{id}/items/search?seller_sku=: the seller's item ids with that SKU (deleted items excluded), as ML answers. */
  #search(res: ServerResponse, user: string, url: URL): void {
    if (Number(user) !== this.userId) throw mlError(403, 'forbidden', 'Caller is not the owner of these items');
    const sku = url.searchParams.get('seller_sku');
    const ids = [...this.items.values()]
      .filter((i) => !i.sub_status.includes('deleted') && (sku === null || i.seller_custom_field === sku || i.attributes.some((a) => a.id === 'SELLER_SKU' && a.value_name === sku)))
      .map((i) => i.id);
    this.counters.searches++;
    sendJson(res, 200, { seller_id: String(this.userId), results: ids, paging: { total: ids.length, offset: 0, limit: 50 } });
  }

  async #handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    this.counters.requests++;
    const answered = await this.playFaults({
      fail: (status) => new HttpError(status, status === 500 ? 'Internal server error' : 'Injected failure'),
      rateLimit: (seconds) => this.#tooManyRequests(seconds),
    }, res);
    if (!answered) return; // a scripted timeout: never answered, close() drops the socket

    const found = findRoute(this.#routes, req.method, url.pathname);
    if (!found) throw new HttpError(404, `Resource ${req.method} ${url.pathname} not found`);
    if (found.route.auth) {
      if (!this.#authorized(req)) {
        this.counters.unauthorized++;
        throw new HttpError(401, 'invalid access token');
      }
      const waitMs = this.#bucket?.take() ?? 0;
      if (waitMs > 0) return this.#tooManyRequests(this.#fixedRetryAfter ?? retryAfterSeconds(waitMs));
      this.#recordAccepted();
      const token = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '')![1]!;
      this.counters.requestsByToken.set(token, (this.counters.requestsByToken.get(token) ?? 0) + 1);
    }
    const handle = () => found.route.handle(req, res, found.params, url);
    await (found.route.auth ? this.countingRejections([400], handle) : handle());
  }

  #authorized(req: IncomingMessage): boolean {
    const token = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const expiresAt = token === undefined ? undefined : this.#accessTokens.get(token);
    return !this.refuseAllTokens && expiresAt !== undefined && expiresAt > Date.now();
  }

  #tooManyRequests(seconds: number): never {
    this.counters.rateLimited++;
    throw new HttpError(429, 'Too many requests', { 'retry-after': String(seconds) });
  }

  #recordAccepted(now = performance.now()): void {
    this.acceptedAt.push(now);
    this.#window.push(now);
    while (this.#window[0]! <= now - 1000) this.#window.shift();
    this.counters.maxObservedPerSecond = Math.max(this.counters.maxObservedPerSecond, this.#window.length);
  }

  #newRefreshToken(): string {
    return `TG-${randomBytes(12).toString('hex')}-${this.userId}`;
  }

  /** POST /oauth/token, refresh_token grant only. Parameters as a form, JSON, or (as ML still accepts) the query. */
  async #token(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const params = await readOAuthParams(req, url, () => mlError(400, 'invalid_request', 'Malformed JSON body'));

    if (params.grant_type !== undefined && params.grant_type !== 'refresh_token') {
      throw mlError(400, 'unsupported_grant_type', `grant_type ${String(params.grant_type)} is not supported by the fake`);
    }
    const missing = OAUTH_PARAMS.filter((p) => typeof params[p] !== 'string' || params[p] === '');
    if (missing.length > 0) {
      throw mlError(400, 'invalid_request', `the following parameters are required: ${OAUTH_PARAMS.join(', ')}. Missing parameters: ${missing.join(', ')}`);
    }
    if (params.client_id !== this.clientId || params.client_secret !== this.clientSecret) {
      throw mlError(401, 'invalid_client', 'invalid client_id or client_secret.');
    }
    if (params.refresh_token !== this.#refreshToken) {
      throw mlError(400, 'invalid_grant', 'Error validating grant. Your authorization code or refresh token may be expired or it was already used');
    }
    this.#refreshToken = this.#newRefreshToken(); // single use: the one just presented is dead from now on
    this.counters.tokenRefreshes++;
    sendJson(res, 200, {
      access_token: this.issueAccessToken(),
      token_type: 'Bearer',
      expires_in: this.#ttlSeconds,
      scope: 'offline_access read write',
      user_id: this.userId,
      refresh_token: this.#refreshToken,
    });
  }

  #notFound(id: string): HttpError {
    return mlError(404, 'not_found', `Item with id ${id} not found`);
  }

  async #create(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJsonObject(req);
    const causes = validateNewItem(body);
    if (causes.length > 0) throw validationError(causes);
    const number = String(1_000_000_000 + ++this.#lastItemNumber); // "MLB" + 10 digits
    const id = `MLB${number}`;
    const now = new Date().toISOString();
    const pictures = body.pictures === undefined ? [] : toPictures(body.pictures);
    const item: FakeMlItem = {
      id,
      site_id: 'MLB',
      title: body.title as string,
      seller_id: this.userId,
      category_id: body.category_id as string,
      price: body.price as number,
      base_price: body.price as number,
      currency_id: body.currency_id as string,
      initial_quantity: body.available_quantity as number,
      available_quantity: body.available_quantity as number,
      sold_quantity: 0,
      buying_mode: body.buying_mode as string,
      listing_type_id: body.listing_type_id as string,
      condition: body.condition as string,
      permalink: `https://produto.mercadolivre.com.br/MLB-${number}-${slugify(body.title as string)}-_JM`,
      thumbnail: pictures[0]?.secure_url ?? '',
      pictures,
      attributes: body.attributes === undefined ? [] : toAttributes(body.attributes),
      status: 'active',
      sub_status: [],
      seller_custom_field: typeof body.seller_custom_field === 'string' ? body.seller_custom_field : null,
      date_created: now,
      last_updated: now,
    };
    settleStock(item);
    this.items.set(id, item);
    this.counters.creates++;
    if (item.seller_custom_field) this.counters.createsBySku.set(item.seller_custom_field, (this.counters.createsBySku.get(item.seller_custom_field) ?? 0) + 1);
    sendJson(res, 201, item);
  }

  async #update(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const item = this.items.get(id);
    if (!item) throw this.#notFound(id);
    const body = await readJsonObject(req);
    const causes = validateItemUpdate(body, item);
    if (causes.length > 0) throw validationError(causes);
    applyItemUpdate(item, body);
    this.counters.updates++;
    sendJson(res, 200, item);
  }

  #get(res: ServerResponse, id: string): void {
    const item = this.items.get(id);
    if (!item) throw this.#notFound(id);
    this.counters.gets++;
    sendJson(res, 200, item);
  }

  /** GET /items?ids=A,B,C: one `{code, body}` per id, in order, as ML's multiget answers. */
  #multiget(res: ServerResponse, url: URL): void {
    const ids = (url.searchParams.get('ids') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (ids.length === 0) throw new HttpError(400, 'Query parameter ids is required');
    if (ids.length > MULTIGET_MAX_IDS) throw new HttpError(400, `At most ${MULTIGET_MAX_IDS} ids are allowed per request`);
    this.counters.gets++;
    sendJson(
      res,
      200,
      ids.map((id) => {
        const item = this.items.get(id);
        return item ? { code: 200, body: item } : { code: 404, body: this.#notFound(id).body };
      }),
    );
  }
}
