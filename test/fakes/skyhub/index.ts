// FakeSkyhub: a real HTTP server with SkyHub's products and variations API behind its three headers (X-User-Email,
// X-Api-Key, X-Accountmanager-Key), the 2025 product rules (category + attributes, brand from SkyHub's list, prices
// never 0/null), SkyHub's throttling (9 requests per second per endpoint and method, 429 → wait for the next window)
// and injectable faults. Errors are SkyHub's `{error: "message"}`. See README.md.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  FakeServerBase,
  findRoute,
  HttpError,
  isObject,
  itemCounters,
  type ItemCounters,
  readJsonObject,
  retryAfterSeconds,
  sendJson,
  WindowLimiter,
} from '../http.js';
import {
  applyProduct,
  applyVariation,
  DEFAULT_SKYHUB_BRANDS,
  DEFAULT_SKYHUB_CATEGORIES,
  newProduct,
  productJson,
  type SkyhubBrand,
  type SkyhubCategory,
  type SkyhubLists,
  type SkyhubProduct,
  type SkyhubVariation,
  validateProduct,
  validateVariation,
} from './products.js';

export type { SkyhubBrand, SkyhubCategory, SkyhubLists, SkyhubProduct, SkyhubStatus, SkyhubVariation } from './products.js';
export { DEFAULT_SKYHUB_BRANDS, DEFAULT_SKYHUB_CATEGORIES } from './products.js';

export interface FakeSkyhubOptions {
  port?: number;
  host?: string;
  /** Monotonic milliseconds for the rate limit and the observed rates (default `performance.now`); lets a test move
   * time on without sleeping. */
  clock?: () => number;
  userEmail?: string;
  apiKey?: string;
  accountManagerKey?: string;
  /** Requests per second per endpoint and method (SkyHub: 9 for products and variations); `false` disables. */
  requestsPerSecond?: number | false;
  /** SkyHub's brand list (`product.brand` must be one of the ids). */
  brands?: readonly SkyhubBrand[];
  /** SkyHub's category list with each category's attributes. */
  categories?: readonly SkyhubCategory[];
}

export interface SkyhubCounters extends ItemCounters {
  /** Successful PUTs of a product or a variation. */
  updates: number;
  /** PUTs carrying `price` or `promotional_price`. */
  priceUpdates: number;
  /** PUTs carrying `qty`. */
  stockUpdates: number;
  /** PUTs that turned an enabled product `disabled`. */
  deactivations: number;
  deletions: number;
  /** 400/404/422 answers of the products/variations API. */
  rejected: number;
}

interface SkyhubRoute {
  method: string;
  path: RegExp;
  /** Throttling group: SkyHub limits per endpoint + method. */
  group: 'products' | 'variations';
  handle: (req: IncomingMessage, res: ServerResponse, params: string[], url: URL) => Promise<void> | void;
}

function skyhubError(status: number, message: string): HttpError {
  return new HttpError(status, message, {}, { error: message });
}

const MAX_PER_PAGE = 100;

/** `url` stands in for `https://api.skyhub.com.br`. */
export class FakeSkyhub extends FakeServerBase<SkyhubCounters> {
  readonly userEmail: string;
  readonly accountManagerKey: string;
  readonly lists: SkyhubLists;
  /** Products by seller SKU (variations live inside their product). */
  readonly products = new Map<string, SkyhubProduct>();
  readonly counters: SkyhubCounters = itemCounters({ deletions: 0 });
  readonly #perSecond: number | false;
  readonly #limiters = new Map<string, WindowLimiter>();
  readonly #now: () => number;
  #apiKey: string;

  private constructor(opts: FakeSkyhubOptions) {
    super(500);
    this.#now = opts.clock ?? (() => performance.now());
    this.userEmail = opts.userEmail ?? 'integracao@fakestore.com.br';
    this.#apiKey = opts.apiKey ?? randomBytes(12).toString('base64url');
    this.accountManagerKey = opts.accountManagerKey ?? randomBytes(8).toString('hex');
    this.lists = { brands: opts.brands ?? DEFAULT_SKYHUB_BRANDS, categories: opts.categories ?? DEFAULT_SKYHUB_CATEGORIES };
    this.#perSecond = opts.requestsPerSecond === undefined ? 9 : opts.requestsPerSecond;
  }

  static async start(opts: FakeSkyhubOptions = {}): Promise<FakeSkyhub> {
    const fake = new FakeSkyhub(opts);
    await fake.serve((req, res, url) => fake.#handle(req, res, url), {
      port: opts.port,
      host: opts.host,
      errorBody: (_status, message) => ({ error: message }),
    });
    return fake;
  }

  /** The one API key that works now. */
  get apiKey(): string {
    return this.#apiKey;
  }

  /** The seller's API key is revoked and a new one generated: the old one gets 401 from now on. */
  rotateApiKey(): string {
    this.#apiKey = randomBytes(12).toString('base64url');
    return this.#apiKey;
  }

  /** The product with this SKU, or the product holding a variation with this SKU. */
  getProduct(sku: string): SkyhubProduct | undefined {
    return this.products.get(sku) ?? [...this.products.values()].find((p) => p.variations.some((v) => v.sku === sku));
  }

  getVariation(sku: string): SkyhubVariation | undefined {
    for (const p of this.products.values()) {
      const v = p.variations.find((x) => x.sku === sku);
      if (v) return v;
    }
    return undefined;
  }

  // ---- HTTP ----

  readonly #routes: readonly SkyhubRoute[] = [
    { method: 'POST', path: /^\/products\/?$/, group: 'products', handle: (req, res) => this.#create(req, res) },
    { method: 'GET', path: /^\/products\/?$/, group: 'products', handle: (_q, res, _p, url) => this.#list(res, url) },
    { method: 'GET', path: /^\/products\/([^/]+)\/?$/, group: 'products', handle: (_q, res, [sku]) => this.#get(res, sku!) },
    { method: 'PUT', path: /^\/products\/([^/]+)\/?$/, group: 'products', handle: (req, res, [sku]) => this.#update(req, res, sku!) },
    { method: 'DELETE', path: /^\/products\/([^/]+)\/?$/, group: 'products', handle: (_q, res, [sku]) => this.#delete(res, sku!) },
    { method: 'PUT', path: /^\/variations\/([^/]+)\/?$/, group: 'variations', handle: (req, res, [sku]) => this.#updateVariation(req, res, sku!) },
    { method: 'DELETE', path: /^\/variations\/([^/]+)\/?$/, group: 'variations', handle: (_q, res, [sku]) => this.#deleteVariation(res, sku!) },
  ];

  async #handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    this.counters.requests++;
    const answered = await this.playFaults({
      fail: (status) => skyhubError(status, status >= 500 ? 'Internal server error' : 'Injected failure'),
      rateLimit: (seconds) => this.#tooManyRequests(seconds),
    });
    if (!answered) return; // a scripted timeout: never answered, close() drops the socket

    const found = findRoute(this.#routes, req.method, url.pathname);
    if (!found) throw skyhubError(404, `Route ${req.method} ${url.pathname} not found`);
    if (
      req.headers['x-user-email'] !== this.userEmail ||
      req.headers['x-api-key'] !== this.#apiKey ||
      req.headers['x-accountmanager-key'] !== this.accountManagerKey
    ) {
      this.counters.unauthorized++;
      throw skyhubError(401, 'Authentication failed: check the X-User-Email, X-Api-Key and X-Accountmanager-Key headers');
    }
    const waitMs = this.#limiter(`${found.route.group} ${req.method}`)?.take(this.#now()) ?? 0;
    if (waitMs > 0) return this.#tooManyRequests(retryAfterSeconds(waitMs));
    this.observeRate(this.#now());
    await this.countingRejections([400, 404, 422], () => found.route.handle(req, res, found.params, url));
  }

  /** One window per endpoint + method ("Este limite é definido por endpoint + método"); GET list and GET one share. */
  #limiter(key: string): WindowLimiter | undefined {
    if (this.#perSecond === false) return undefined;
    let limiter = this.#limiters.get(key);
    if (!limiter) this.#limiters.set(key, (limiter = new WindowLimiter(this.#perSecond, 1000)));
    return limiter;
  }

  #tooManyRequests(seconds: number): never {
    this.counters.rateLimited++;
    throw new HttpError(429, 'Too many requests', { 'retry-after': String(seconds) }, { error: 'Too many requests: wait for the next request window' });
  }

  #productOr404(sku: string): SkyhubProduct {
    const product = this.products.get(sku);
    if (!product) throw skyhubError(404, `Product ${sku} not found`);
    return product;
  }

  #skuTaken(sku: string): boolean {
    return this.products.has(sku) || this.getVariation(sku) !== undefined;
  }

  async #create(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const p = await readRoot(req, 'product');
    const problems = validateProduct(p, this.lists);
    for (const sku of [p.sku, ...(Array.isArray(p.variations) ? p.variations.map((v) => (isObject(v) ? v.sku : undefined)) : [])]) {
      if (typeof sku === 'string' && this.#skuTaken(sku)) problems.push(`sku "${sku}" already exists`);
    }
    if (problems.length > 0) throw skyhubError(422, problems.join('; '));
    this.products.set(p.sku as string, newProduct(p, this.lists, new Date().toISOString()));
    this.counters.creates++;
    res.writeHead(201).end();
  }

  async #update(req: IncomingMessage, res: ServerResponse, sku: string): Promise<void> {
    const product = this.#productOr404(sku);
    const p = await readRoot(req, 'product');
    const problems = validateProduct(p, this.lists, product);
    if (Array.isArray(p.variations)) {
      for (const v of p.variations) {
        const vsku = isObject(v) ? v.sku : undefined;
        if (typeof vsku === 'string' && vsku !== sku && !product.variations.some((x) => x.sku === vsku) && this.#skuTaken(vsku))
          problems.push(`sku "${vsku}" already exists`);
      }
    }
    if (problems.length > 0) throw skyhubError(422, problems.join('; '));
    const wasEnabled = product.status === 'enabled';
    applyProduct(product, p, this.lists, new Date().toISOString());
    this.#count(p);
    if (wasEnabled && product.status === 'disabled') this.counters.deactivations++;
    res.writeHead(204).end();
  }

  #count(body: Record<string, unknown>): void {
    this.counters.updates++;
    if ('price' in body || 'promotional_price' in body) this.counters.priceUpdates++;
    if ('qty' in body) this.counters.stockUpdates++;
  }

  async #updateVariation(req: IncomingMessage, res: ServerResponse, sku: string): Promise<void> {
    const variation = this.getVariation(sku);
    if (!variation) throw skyhubError(404, `Variation ${sku} not found`);
    const v = await readRoot(req, 'variation');
    const problems = validateVariation(v, this.getProduct(sku)!, variation);
    if (problems.length > 0) throw skyhubError(422, problems.join('; '));
    applyVariation(variation, v);
    this.getProduct(sku)!.updated_at = new Date().toISOString();
    this.#count(v);
    res.writeHead(204).end();
  }

  #get(res: ServerResponse, sku: string): void {
    const product = this.#productOr404(sku);
    this.counters.gets++;
    sendJson(res, 200, productJson(product));
  }

  /** GET /products?page=1&per_page=…: 1-based pages, `{total, products}`. */
  #list(res: ServerResponse, url: URL): void {
    const page = url.searchParams.get('page') ?? '1';
    const perPage = url.searchParams.get('per_page') ?? '25';
    if (!/^\d+$/.test(page) || Number(page) < 1) throw skyhubError(400, 'page must be an integer >= 1');
    if (!/^\d+$/.test(perPage) || Number(perPage) < 1 || Number(perPage) > MAX_PER_PAGE)
      throw skyhubError(400, `per_page must be an integer from 1 to ${MAX_PER_PAGE}`);
    const all = [...this.products.values()].sort((a, b) => a.created_at.localeCompare(b.created_at) || a.sku.localeCompare(b.sku));
    const from = (Number(page) - 1) * Number(perPage);
    this.counters.gets++;
    sendJson(res, 200, { total: all.length, products: all.slice(from, from + Number(perPage)).map(productJson) });
  }

  #delete(res: ServerResponse, sku: string): void {
    this.#productOr404(sku);
    this.products.delete(sku);
    this.counters.deletions++;
    res.writeHead(204).end();
  }

  #deleteVariation(res: ServerResponse, sku: string): void {
    const product = this.getProduct(sku);
    if (!product || product.sku === sku) throw skyhubError(404, `Variation ${sku} not found`);
    product.variations = product.variations.filter((v) => v.sku !== sku);
    this.counters.deletions++;
    res.writeHead(204).end();
  }
}

/** Parses `{"<root>": {...}}`, SkyHub's envelope; anything else is a 400. */
async function readRoot(req: IncomingMessage, root: 'product' | 'variation'): Promise<Record<string, unknown>> {
  let body: Record<string, unknown>;
  try {
    body = await readJsonObject(req);
  } catch (err) {
    if (err instanceof HttpError && err.status === 400) throw skyhubError(400, err.message);
    throw err;
  }
  const inner = body[root];
  if (!isObject(inner)) throw skyhubError(400, `The body must be {"${root}": {…}}`);
  return inner;
}
