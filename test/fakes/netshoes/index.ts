// FakeNetshoes: a real HTTP server with the Netshoes marketplace API v2 (products, prices, stocks, status) behind the
// static `client_id` + `access_token` headers, Netshoes' per-minute call plans (50/100/250 calls per minute, 429 past
// them), a catalogue review lifecycle, validation in Netshoes' error resource and injectable faults. See README.md.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  FakeServerBase,
  findRoute,
  HttpError,
  itemCounters,
  type ItemCounters,
  readJsonObject,
  retryAfterSeconds,
  sendJson,
  WindowLimiter,
} from '../http.js';
import {
  DEFAULT_NETSHOES_CATALOG,
  mergePrice,
  type NetshoesCatalog,
  type NetshoesProduct,
  type NetshoesReview,
  statusOf,
  toProduct,
  validatePrice,
  validateProduct,
  validateStock,
} from './products.js';

export type { NetshoesCatalog, NetshoesProduct, NetshoesReview, NetshoesStatus } from './products.js';
export { DEFAULT_NETSHOES_CATALOG } from './products.js';

export interface FakeNetshoesOptions {
  port?: number;
  host?: string;
  /** Monotonic milliseconds for the rate limit and the observed rates (default `performance.now`); lets a test move
   * time on without sleeping. */
  clock?: () => number;
  clientId?: string;
  accessToken?: string;
  /** The seller's plan: 50 (new sellers, the default), 100 or 250 calls per minute; `false` disables the limit. */
  callsPerMinute?: number | false;
  /** Retry-After on 429; default the seconds left in the current minute window. */
  retryAfterSeconds?: number;
  /** `immediate` (default): new products are approved at once; `manual`: they stay PENDING until `approve()`/`reject()`
   * or the sandbox status endpoint. */
  catalogReview?: 'immediate' | 'manual';
  /** Serve PUT /products/{sku}/status, which Netshoes offers in its sandbox only (default true). */
  sandbox?: boolean;
  /** Overrides of the catalogue domains (brands, colours, …). */
  catalog?: Partial<NetshoesCatalog>;
}

export interface NetshoesCounters extends ItemCounters {
  /** Successful product PUTs. */
  updates: number;
  /** Stock updates that took a product's available quantity to 0 (Netshoes' way to stop selling, inferred). */
  deactivations: number;
  /** 400/404/422 answers of the products API. */
  rejected: number;
}

interface NetshoesRoute {
  method: string;
  path: RegExp;
  handle: (req: IncomingMessage, res: ServerResponse, params: string[], url: URL) => Promise<void> | void;
}

/** Types of Netshoes' ErrorResource (official SDK) plus the gateway's auth and rate answers (inferred). */
type ErrorType =
  | 'Parameter_Error'
  | 'Bad_Request_Error'
  | 'Business_Logic_Error'
  | 'Resource_Not_Found'
  | 'Internal_Architecture_Error'
  | 'Method_Not_Allowed'
  | 'Unauthorized'
  | 'Too_Many_Requests';

function netshoesError(status: number, type: ErrorType, description: string, notifications: string[] = []): HttpError {
  return new HttpError(status, description, {}, { type, description, notifications });
}

const TYPE_BY_STATUS: Record<number, ErrorType> = {
  400: 'Bad_Request_Error',
  401: 'Unauthorized',
  404: 'Resource_Not_Found',
  405: 'Method_Not_Allowed',
  413: 'Bad_Request_Error',
  422: 'Business_Logic_Error',
  429: 'Too_Many_Requests',
};
const BASE = '/api/v2/products';
const MAX_PAGE_SIZE = 100;
const REVIEWS: readonly string[] = ['PENDING', 'APPROVED', 'REJECTED'] satisfies NetshoesReview[];

/** `url` stands in for `https://api-marketplace.netshoes.com.br` (routes under `/api/v2`). */
export class FakeNetshoes extends FakeServerBase<NetshoesCounters> {
  readonly clientId: string;
  readonly catalog: NetshoesCatalog;
  /** Products by seller SKU. */
  readonly products = new Map<string, NetshoesProduct>();
  readonly counters: NetshoesCounters = itemCounters({});
  readonly #limiter: WindowLimiter | undefined;
  readonly #fixedRetryAfter: number | undefined;
  readonly #review: 'immediate' | 'manual';
  readonly #sandbox: boolean;
  readonly #now: () => number;
  #accessToken: string;

  private constructor(opts: FakeNetshoesOptions) {
    super(500);
    this.#now = opts.clock ?? (() => performance.now());
    this.clientId = opts.clientId ?? randomBytes(9).toString('base64url');
    this.#accessToken = opts.accessToken ?? randomBytes(9).toString('base64url');
    this.catalog = { ...DEFAULT_NETSHOES_CATALOG, ...opts.catalog };
    const perMinute = opts.callsPerMinute === undefined ? 50 : opts.callsPerMinute;
    this.#limiter = perMinute ? new WindowLimiter(perMinute, 60_000) : undefined;
    this.#fixedRetryAfter = opts.retryAfterSeconds;
    this.#review = opts.catalogReview ?? 'immediate';
    this.#sandbox = opts.sandbox ?? true;
  }

  static async start(opts: FakeNetshoesOptions = {}): Promise<FakeNetshoes> {
    const fake = new FakeNetshoes(opts);
    await fake.serve((req, res, url) => fake.#handle(req, res, url), {
      port: opts.port,
      host: opts.host,
      errorBody: (status, message) => ({ type: TYPE_BY_STATUS[status] ?? 'Internal_Architecture_Error', description: message, notifications: [] }),
    });
    return fake;
  }

  /** The one access token that works now. */
  get accessToken(): string {
    return this.#accessToken;
  }

  /** The seller's token is revoked and a new one issued (Netshoes' tokens are static): the old one gets 401 from now on. */
  rotateAccessToken(): string {
    this.#accessToken = randomBytes(9).toString('base64url');
    return this.#accessToken;
  }

  getProduct(sku: string): NetshoesProduct | undefined {
    return this.products.get(sku);
  }

  /** Catalogue approval, as Netshoes' team does it (or the sandbox status endpoint). */
  approve(sku: string): void {
    this.#setReview(sku, 'APPROVED');
  }

  /** Catalogue refusal, with the reasons GET /status then lists in `reviews`. */
  reject(sku: string, reasons: string[]): void {
    this.#setReview(sku, 'REJECTED', reasons);
  }

  #setReview(sku: string, review: NetshoesReview, reasons: string[] = []): void {
    const product = this.products.get(sku);
    if (!product) throw new Error(`FakeNetshoes: no product ${sku}`);
    product.review = review;
    const date = new Date().toISOString();
    product.reviews = reasons.map((message) => ({ message, date }));
    product.updatedAt = date;
  }

  // ---- HTTP ----

  readonly #routes: readonly NetshoesRoute[] = [
    { method: 'POST', path: /^\/api\/v2\/products\/?$/, handle: (req, res) => this.#create(req, res) },
    { method: 'GET', path: /^\/api\/v2\/products\/?$/, handle: (_q, res, _p, url) => this.#list(res, url) },
    { method: 'GET', path: /^\/api\/v2\/products\/([^/]+)\/?$/, handle: (_q, res, [sku], url) => this.#get(res, sku!, url) },
    { method: 'PUT', path: /^\/api\/v2\/products\/([^/]+)\/?$/, handle: (req, res, [sku]) => this.#update(req, res, sku!) },
    { method: 'GET', path: /^\/api\/v2\/products\/([^/]+)\/status\/?$/, handle: (_q, res, [sku]) => this.#status(res, sku!) },
    { method: 'PUT', path: /^\/api\/v2\/products\/([^/]+)\/status\/?$/, handle: (req, res, [sku]) => this.#setStatus(req, res, sku!) },
    { method: 'GET', path: /^\/api\/v2\/products\/([^/]+)\/prices\/?$/, handle: (_q, res, [sku]) => this.#getPrice(res, sku!) },
    { method: 'POST', path: /^\/api\/v2\/products\/([^/]+)\/prices\/?$/, handle: (req, res, [sku]) => this.#writePrice(req, res, sku!, 'POST') },
    { method: 'PUT', path: /^\/api\/v2\/products\/([^/]+)\/prices\/?$/, handle: (req, res, [sku]) => this.#writePrice(req, res, sku!, 'PUT') },
    { method: 'GET', path: /^\/api\/v2\/products\/([^/]+)\/stocks\/?$/, handle: (_q, res, [sku]) => this.#getStock(res, sku!) },
    { method: 'POST', path: /^\/api\/v2\/products\/([^/]+)\/stocks\/?$/, handle: (req, res, [sku]) => this.#writeStock(req, res, sku!, 'POST') },
    { method: 'PUT', path: /^\/api\/v2\/products\/([^/]+)\/stocks\/?$/, handle: (req, res, [sku]) => this.#writeStock(req, res, sku!, 'PUT') },
  ];

  async #handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    this.counters.requests++;
    const answered = await this.playFaults({
      fail: (status) => netshoesError(status, TYPE_BY_STATUS[status] ?? 'Internal_Architecture_Error', 'Injected failure'),
      rateLimit: (seconds) => this.#tooManyRequests(seconds),
    });
    if (!answered) return; // a scripted timeout: never answered, close() drops the socket

    const found = findRoute(this.#routes, req.method, url.pathname);
    if (!found) throw netshoesError(404, 'Resource_Not_Found', 'Resource not found.');
    if (req.headers.client_id !== this.clientId || req.headers.access_token !== this.#accessToken) {
      this.counters.unauthorized++;
      throw netshoesError(401, 'Unauthorized', 'Missing or invalid client_id / access_token headers');
    }
    const waitMs = this.#limiter?.take(this.#now()) ?? 0;
    if (waitMs > 0) return this.#tooManyRequests(this.#fixedRetryAfter ?? retryAfterSeconds(waitMs));
    this.observeRate(this.#now());
    await this.countingRejections([400, 404, 422], () => found.route.handle(req, res, found.params, url));
  }

  #tooManyRequests(seconds: number): never {
    this.counters.rateLimited++;
    const error = netshoesError(429, 'Too_Many_Requests', 'Call limit of the seller plan exceeded');
    throw new HttpError(429, error.message, { 'retry-after': String(seconds) }, error.body);
  }

  #productOr404(sku: string): NetshoesProduct {
    const product = this.products.get(sku);
    if (!product) throw netshoesError(404, 'Resource_Not_Found', 'Resource not found.');
    return product;
  }

  #links(sku: string, sub = ''): { rel: string; href: string }[] {
    return [{ rel: 'self', href: `${BASE}/${encodeURIComponent(sku)}${sub}` }];
  }

  #productJson(product: NetshoesProduct, expands: Set<string>): Record<string, unknown> {
    const { price: _p, stock: _s, review: _r, reviews: _rv, createdAt: _c, updatedAt: _u, images, attributes, ...fields } = product;
    return {
      expands: [...expands],
      ...structuredClone(fields),
      ...(expands.has('images') && { images: structuredClone(images) }),
      ...(expands.has('attributes') && { attributes: structuredClone(attributes) }),
      links: this.#links(product.sku),
    };
  }

  async #create(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readNetshoesJson(req);
    const problems = validateProduct(body, this.catalog);
    if (problems.length > 0) throw netshoesError(400, 'Parameter_Error', 'Invalid product', problems);
    const sku = body.sku as string;
    if (this.products.has(sku)) throw netshoesError(422, 'Business_Logic_Error', `Product ${sku} already exists: use PUT ${BASE}/${sku}`);
    const product = toProduct(body, new Date().toISOString());
    if (this.#review === 'immediate') product.review = 'APPROVED';
    this.products.set(sku, product);
    this.counters.creates++;
    res.writeHead(201, { location: `${BASE}/${encodeURIComponent(sku)}` }).end();
  }

  async #update(req: IncomingMessage, res: ServerResponse, sku: string): Promise<void> {
    const previous = this.#productOr404(sku);
    const body = await readNetshoesJson(req);
    const problems = validateProduct(body, this.catalog, sku);
    if (problems.length > 0) throw netshoesError(400, 'Parameter_Error', 'Invalid product', problems);
    this.products.set(sku, toProduct(body, new Date().toISOString(), previous));
    this.counters.updates++;
    res.writeHead(204).end();
  }

  #get(res: ServerResponse, sku: string, url: URL): void {
    const product = this.#productOr404(sku);
    this.counters.gets++;
    sendJson(res, 200, this.#productJson(product, expandsOf(url)));
  }

  /** GET /products?page=0&size=20: zero-based pages; the answer is `{items}` (official SDK's InlineResponse200). */
  #list(res: ServerResponse, url: URL): void {
    const page = url.searchParams.get('page') ?? '0';
    const size = url.searchParams.get('size') ?? '20';
    const problems: string[] = [];
    if (!/^\d+$/.test(page)) problems.push('page: must be an integer >= 0 (pages start at 0)');
    if (!/^\d+$/.test(size) || Number(size) < 1 || Number(size) > MAX_PAGE_SIZE) problems.push(`size: must be an integer from 1 to ${MAX_PAGE_SIZE}`);
    if (problems.length > 0) throw netshoesError(400, 'Parameter_Error', 'Invalid query parameters', problems);
    const expands = expandsOf(url);
    const all = [...this.products.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.sku.localeCompare(b.sku));
    const from = Number(page) * Number(size);
    this.counters.gets++;
    sendJson(res, 200, { items: all.slice(from, from + Number(size)).map((p) => this.#productJson(p, expands)) });
  }

  #status(res: ServerResponse, sku: string): void {
    const product = this.#productOr404(sku);
    this.counters.gets++;
    sendJson(res, 200, { status: statusOf(product), reviews: structuredClone(product.reviews) });
  }

  /** Sandbox only (official SDK: "Update product status. Only sandbox"): drives the catalogue review. */
  async #setStatus(req: IncomingMessage, res: ServerResponse, sku: string): Promise<void> {
    if (!this.#sandbox) throw netshoesError(405, 'Method_Not_Allowed', 'Status updates are available in the sandbox only');
    const product = this.#productOr404(sku);
    const body = await readNetshoesJson(req);
    if (typeof body.status !== 'string' || !REVIEWS.includes(body.status)) {
      throw netshoesError(400, 'Parameter_Error', 'Invalid status', [`status: must be one of ${REVIEWS.join(', ')}`]);
    }
    this.#setReview(sku, body.status as NetshoesReview, Array.isArray(body.reviews) ? body.reviews.map(String) : []);
    sendJson(res, 200, { status: statusOf(product), reviews: structuredClone(product.reviews) });
  }

  #getPrice(res: ServerResponse, sku: string): void {
    const product = this.#productOr404(sku);
    if (!product.price) throw netshoesError(404, 'Resource_Not_Found', `Product ${sku} has no price yet`);
    this.counters.gets++;
    sendJson(res, 200, { ...product.price, links: this.#links(sku, '/prices') });
  }

  async #writePrice(req: IncomingMessage, res: ServerResponse, sku: string, method: 'POST' | 'PUT'): Promise<void> {
    const product = this.#productOr404(sku);
    const body = await readNetshoesJson(req);
    if (method === 'POST' && product.price) throw netshoesError(422, 'Business_Logic_Error', `Product ${sku} already has a price: use PUT`);
    const problems = validatePrice(body, product.price);
    if (problems.length > 0) throw netshoesError(400, 'Parameter_Error', 'Invalid price', problems);
    product.price = mergePrice(body, product.price);
    product.updatedAt = new Date().toISOString();
    this.counters.priceUpdates++;
    res.writeHead(204).end();
  }

  #getStock(res: ServerResponse, sku: string): void {
    const product = this.#productOr404(sku);
    if (product.stock === null) throw netshoesError(404, 'Resource_Not_Found', `Product ${sku} has no stock yet`);
    this.counters.gets++;
    sendJson(res, 200, { available: product.stock, links: this.#links(sku, '/stocks') });
  }

  async #writeStock(req: IncomingMessage, res: ServerResponse, sku: string, method: 'POST' | 'PUT'): Promise<void> {
    const product = this.#productOr404(sku);
    const body = await readNetshoesJson(req);
    if (method === 'POST' && product.stock !== null) throw netshoesError(422, 'Business_Logic_Error', `Product ${sku} already has a stock: use PUT`);
    const problems = validateStock(body);
    if (problems.length > 0) throw netshoesError(400, 'Parameter_Error', 'Invalid stock', problems);
    const available = body.available as number;
    if (available === 0 && product.stock !== 0) this.counters.deactivations++;
    product.stock = available;
    product.updatedAt = new Date().toISOString();
    this.counters.stockUpdates++;
    res.writeHead(204).end();
  }
}

function expandsOf(url: URL): Set<string> {
  return new Set(
    (url.searchParams.get('expands') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s === 'images' || s === 'attributes'),
  );
}

async function readNetshoesJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  try {
    return await readJsonObject(req);
  } catch (err) {
    if (err instanceof HttpError && err.status === 400) throw netshoesError(400, 'Bad_Request_Error', err.message);
    throw err;
  }
}
