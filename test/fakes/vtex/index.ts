// FakeVtex: a real HTTP server speaking the parts of VTEX's Catalog and Checkout APIs the connector calls, with
// VTEX's field names, app-key auth, rate limiting and injectable faults; plus the affiliate-notification sender.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeServerBase, findRoute, HttpError, isObject, readJsonObject, retryAfterSeconds, sendJson, TokenBucket } from '../http.js';
import { type CatalogSku, generateSku, productJson, type SeedOptions, skuAndContext } from './catalog.js';

export { type CatalogSku, ean13, type SeedOptions } from './catalog.js';

export interface FakeVtexOptions {
  account?: string;
  appKey?: string;
  appToken?: string;
  port?: number;
  host?: string;
  /** Token bucket over every authenticated request (burst = perSecond); past it → 429 with Retry-After and
   * X-VTEX-Ratelimit-Reset. */
  rateLimit?: { perSecond: number };
}

export interface VtexCounters {
  skuReads: number;
  productReads: number;
  /** Valid simulation requests, and the items they asked for. */
  simulations: number;
  simulatedItems: number;
  /** Both SKU-id list endpoints. */
  listCalls: number;
  rejectedAuth: number;
  /** 429 answers, forced or from the token bucket. */
  rateLimited: number;
  perSkuReads: Map<number, number>;
}

export interface NotificationFlags {
  IsActive: boolean;
  StockModified: boolean;
  PriceModified: boolean;
  HasStockKeepingUnitModified: boolean;
  HasStockKeepingUnitRemovedFromAffiliate: boolean;
}

export interface NotifyOptions {
  /** The affiliate id VTEX puts in the payload; default "CNT". */
  idAffiliate?: string;
  /** Extra request headers (the body is always JSON). */
  headers?: Record<string, string>;
}

interface VtexRoute {
  method: string;
  path: RegExp;
  /** false for the routes VTEX documents as public (the checkout simulation): no keys needed. */
  keys: boolean;
  handle: (req: IncomingMessage, res: ServerResponse, params: string[], url: URL) => Promise<void> | void;
}

interface SimulationItem {
  id: string;
  quantity: number;
  seller: string;
}

/** VTEX's default trade policy, used by the simulation when the request names none. */
const DEFAULT_SALES_CHANNEL = 1;
/** Page size of the sales-channel SKU list when the request names none. */
const DEFAULT_PAGE_SIZE = 10;
/** Documented maximum `pagesize` of the all-SKU-ids list. */
const MAX_SKU_IDS_PAGE_SIZE = 1000;

/** `url` (`http://127.0.0.1:PORT`) stands in for `https://{account}.vtexcommercestable.com.br`. */
export class FakeVtex extends FakeServerBase<VtexCounters> {
  readonly account: string;
  readonly appKey: string;
  readonly appToken: string;
  readonly counters: VtexCounters = {
    skuReads: 0,
    productReads: 0,
    simulations: 0,
    simulatedItems: 0,
    listCalls: 0,
    rejectedAuth: 0,
    rateLimited: 0,
    perSkuReads: new Map(),
  };
  readonly #skus = new Map<number, CatalogSku>();
  // Indexes kept beside the catalog so the fake stays cheap at 100,000 SKUs (bench/initial-load): the SKU ids of
  // each product, and the catalog in id order (rebuilt after a change, not per listing page).
  readonly #byProduct = new Map<number, Set<number>>();
  #sortedCache: CatalogSku[] | undefined;
  readonly #bucket: TokenBucket | undefined;

  private constructor(opts: FakeVtexOptions) {
    super(503);
    this.account = opts.account ?? 'fakestore';
    this.appKey = opts.appKey ?? `vtexappkey-${this.account}-FAKE`;
    this.appToken = opts.appToken ?? randomBytes(24).toString('base64url');
    this.#bucket = opts.rateLimit && new TokenBucket(opts.rateLimit.perSecond);
  }

  static async start(opts: FakeVtexOptions = {}): Promise<FakeVtex> {
    const fake = new FakeVtex(opts);
    await fake.serve((req, res, url) => fake.#handle(req, res, url), {
      port: opts.port,
      host: opts.host,
      errorBody: (status, message) => ({ error: { code: String(status), message, exception: null } }),
    });
    return fake;
  }

  // ---- catalog state (tests) ----

  upsertSku(sku: CatalogSku): void {
    this.#store(structuredClone(sku));
  }

  #store(sku: CatalogSku): void {
    const before = this.#skus.get(sku.id);
    if (before && before.productId !== sku.productId) this.#byProduct.get(before.productId)?.delete(sku.id);
    let ids = this.#byProduct.get(sku.productId);
    if (!ids) this.#byProduct.set(sku.productId, (ids = new Set()));
    ids.add(sku.id);
    this.#skus.set(sku.id, sku);
    this.#sortedCache = undefined;
  }

  updateSku(id: number, patch: Partial<CatalogSku>): CatalogSku {
    const current = this.#skus.get(id);
    if (!current) throw new Error(`FakeVtex.updateSku: no SKU ${id}`);
    const updated = { ...current, ...structuredClone(patch), id };
    this.#store(updated);
    return structuredClone(updated);
  }

  getSku(id: number): CatalogSku | undefined {
    const sku = this.#skus.get(id);
    return sku && structuredClone(sku);
  }

  removeSku(id: number): void {
    const sku = this.#skus.get(id);
    if (sku) this.#byProduct.get(sku.productId)?.delete(id);
    this.#skus.delete(id);
    this.#sortedCache = undefined;
  }

  /** Every SKU, by id. */
  listSkus(): CatalogSku[] {
    return this.#sorted().map((sku) => structuredClone(sku));
  }

  /** Adds `count` generated SKUs (see `generateSku`: same ids → same SKUs) and returns them. */
  seed(count: number, opts: SeedOptions = {}): CatalogSku[] {
    let startId = opts.startId;
    if (startId === undefined) {
      startId = 1;
      for (const id of this.#skus.keys()) startId = Math.max(startId, id + 1);
    }
    return Array.from({ length: count }, (_, i) => {
      const sku = { ...generateSku(startId + i, this.account, opts), ...opts.make?.(i) };
      this.upsertSku(sku);
      return sku;
    });
  }

  // ---- affiliate notifications (VTEX → connector) ----

  /** The body `notify()` sends, in the PascalCase shape VTEX really posts. Flags default to false; `IsActive` to the
   * SKU's state (false when the SKU is unknown, e.g. removed). */
  notificationPayload(skuId: number, flags: Partial<NotificationFlags> = {}, opts: Pick<NotifyOptions, 'idAffiliate'> = {}): Record<string, unknown> {
    const sku = this.#skus.get(skuId);
    return {
      IdSku: String(skuId),
      ...(sku && { ProductId: sku.productId }),
      An: this.account,
      IdAffiliate: opts.idAffiliate ?? 'CNT',
      Version: randomBytes(16).toString('hex'),
      DateModified: vtexTimestamp(),
      IsActive: flags.IsActive ?? (sku ? sku.isActive && sku.isProductActive : false),
      StockModified: flags.StockModified ?? false,
      PriceModified: flags.PriceModified ?? false,
      HasStockKeepingUnitModified: flags.HasStockKeepingUnitModified ?? false,
      HasStockKeepingUnitRemovedFromAffiliate: flags.HasStockKeepingUnitRemovedFromAffiliate ?? false,
    };
  }

  /** POSTs a notification to `target` (the full URL, including any `?token=`); returns the HTTP status. */
  async notify(target: string, skuId: number, flags: Partial<NotificationFlags> = {}, opts: NotifyOptions = {}): Promise<number> {
    const res = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...opts.headers },
      body: JSON.stringify(this.notificationPayload(skuId, flags, opts)),
    });
    await res.arrayBuffer(); // drain, so the connection can be reused
    return res.status;
  }

  // ---- HTTP ----

  readonly #routes: readonly VtexRoute[] = [
    {
      method: 'GET',
      path: /^\/api\/catalog_system\/pvt\/sku\/stockkeepingunitbyid\/([^/]+)\/?$/,
      keys: true,
      handle: (_req, res, [id]) => this.#getSku(res, id),
    },
    { method: 'GET', path: /^\/api\/catalog\/pvt\/product\/([^/]+)\/?$/, keys: true, handle: (_req, res, [id]) => this.#getProduct(res, id) },
    {
      method: 'GET',
      path: /^\/api\/catalog_system\/pvt\/sku\/stockkeepingunitidsbysaleschannel\/?$/,
      keys: true,
      handle: (_req, res, _params, url) => this.#listBySalesChannel(res, url),
    },
    {
      method: 'GET',
      path: /^\/api\/catalog_system\/pvt\/sku\/stockkeepingunitids\/?$/,
      keys: true,
      handle: (_req, res, _params, url) => this.#listAllIds(res, url),
    },
    { method: 'POST', path: /^\/api\/checkout\/pub\/orderForms\/simulation\/?$/, keys: false, handle: (req, res, _p, url) => this.#simulate(req, res, url) },
    { method: 'POST', path: /^\/api\/fulfillment\/pvt\/orderForms\/simulation\/?$/, keys: true, handle: (req, res, _p, url) => this.#simulate(req, res, url) },
  ];

  async #handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const answered = await this.playFaults({
      fail: (status) => new HttpError(status, 'Injected failure'),
      rateLimit: (seconds) => this.#tooManyRequests(seconds),
    });
    if (!answered) return; // a scripted timeout: never answered, close() drops the socket

    const found = findRoute(this.#routes, req.method, url.pathname);
    if (!found) throw new HttpError(404, `No route for ${req.method} ${url.pathname}`);
    if (found.route.keys && !this.#authorized(req)) {
      this.counters.rejectedAuth++;
      throw new HttpError(401, 'Unauthorized: missing or invalid X-VTEX-API-AppKey / X-VTEX-API-AppToken');
    }
    const waitMs = this.#bucket?.take() ?? 0;
    if (waitMs > 0) return this.#tooManyRequests(retryAfterSeconds(waitMs));
    await found.route.handle(req, res, found.params, url);
  }

  #authorized(req: IncomingMessage): boolean {
    return req.headers['x-vtex-api-appkey'] === this.appKey && req.headers['x-vtex-api-apptoken'] === this.appToken;
  }

  #tooManyRequests(seconds: number): never {
    this.counters.rateLimited++;
    throw new HttpError(429, 'Too many requests', { 'retry-after': String(seconds), 'x-vtex-ratelimit-reset': String(seconds) });
  }

  #getSku(res: ServerResponse, rawId: string | undefined): void {
    const id = positiveInt(rawId, 'skuId');
    this.counters.skuReads++;
    this.counters.perSkuReads.set(id, (this.counters.perSkuReads.get(id) ?? 0) + 1);
    // `sc` is deliberately not applied: VTEX returns the SKU anyway and the connector checks SalesChannels itself.
    const sku = this.#skus.get(id);
    if (!sku) throw new HttpError(404, `SKU ${id} not found`);
    sendJson(res, 200, skuAndContext(sku));
  }

  #getProduct(res: ServerResponse, rawId: string | undefined): void {
    const id = positiveInt(rawId, 'productId');
    this.counters.productReads++;
    let sku: CatalogSku | undefined; // the product as seen through its lowest SKU id, so the answer is deterministic
    for (const skuId of this.#byProduct.get(id) ?? []) {
      const s = this.#skus.get(skuId)!;
      if (!sku || s.id < sku.id) sku = s;
    }
    if (!sku) throw new HttpError(404, `Product ${id} not found`);
    sendJson(res, 200, productJson(sku));
  }

  #listBySalesChannel(res: ServerResponse, url: URL): void {
    const sc = positiveInt(query(url, 'sc'), 'sc');
    const page = positiveInt(query(url, 'page') ?? '1', 'page');
    const pageSize = positiveInt(query(url, 'pageSize') ?? String(DEFAULT_PAGE_SIZE), 'pageSize');
    const onlyAssigned = query(url, 'onlyAssigned') !== 'false';
    this.counters.listCalls++;
    const ids = this.#sorted()
      .filter((sku) => !onlyAssigned || sku.salesChannels.includes(sc))
      .map((sku) => sku.id);
    sendJson(res, 200, ids.slice((page - 1) * pageSize, page * pageSize));
  }

  #listAllIds(res: ServerResponse, url: URL): void {
    const page = positiveInt(query(url, 'page'), 'page');
    const pageSize = positiveInt(query(url, 'pagesize'), 'pagesize');
    if (pageSize > MAX_SKU_IDS_PAGE_SIZE) throw new HttpError(400, `pagesize must be at most ${MAX_SKU_IDS_PAGE_SIZE}`);
    this.counters.listCalls++;
    sendJson(res, 200, this.#sorted().slice((page - 1) * pageSize, page * pageSize).map((sku) => sku.id));
  }

  async #simulate(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const body = await readJsonObject(req);
    const requested = parseSimulationItems(body.items);
    const sc = positiveInt(query(url, 'sc') ?? String(DEFAULT_SALES_CHANNEL), 'sc');
    this.counters.simulations++;
    this.counters.simulatedItems += requested.length;

    const priceValidUntil = new Date(Date.now() + 365 * 86_400_000).toISOString();
    const items: Record<string, unknown>[] = [];
    const logisticsInfo: Record<string, unknown>[] = [];
    const messages: Record<string, unknown>[] = [];
    let total = 0;
    requested.forEach(({ id, quantity: wanted, seller }, requestIndex) => {
      const sku = /^\d+$/.test(id) ? this.#skus.get(Number(id)) : undefined;
      const sellable = // the fake store is its own and only seller, "1"
        sku && seller === '1' && sku.isActive && sku.isProductActive && sku.inSimulation !== false && sku.salesChannels.includes(sc);
      if (!sellable) {
        // As VTEX does: the item is left out of `items`, and only a message says so.
        messages.push({ code: 'ORD027', text: `Item ${id} não encontrado ou indisponível`, status: 'error', fields: {} });
        return;
      }
      const quantity = Math.min(wanted, Math.max(0, sku.stock));
      const sellingPrice = sku.sellingPrice ?? sku.price;
      total += sellingPrice * quantity;
      logisticsInfo.push({ itemIndex: items.length, quantity, stockBalance: sku.stock, shipsTo: ['BRA'], slas: [], deliveryChannels: [{ id: 'delivery' }] });
      items.push({
        id,
        requestIndex,
        quantity,
        seller,
        sellerChain: [seller],
        tax: 0,
        priceValidUntil,
        price: sku.price,
        listPrice: sku.listPrice,
        rewardValue: 0,
        sellingPrice,
        offerings: [],
        priceTags: [],
        measurementUnit: 'un',
        unitMultiplier: 1,
        parentItemIndex: null,
        parentAssemblyBinding: null,
        availability: quantity > 0 ? 'available' : 'withoutStock',
      });
    });
    sendJson(res, 200, {
      items,
      ratesAndBenefitsData: { rateAndBenefitsIdentifiers: [], teaser: [] },
      selectableGifts: [],
      marketingData: null,
      country: body.country ?? null,
      postalCode: body.postalCode ?? null,
      logisticsInfo,
      messages,
      pickupPoints: [],
      totals: [{ id: 'Items', name: 'Total dos Itens', value: total }],
    });
  }

  #sorted(): CatalogSku[] {
    this.#sortedCache ??= [...this.#skus.values()].sort((a, b) => a.id - b.id);
    return this.#sortedCache;
  }
}

/** Query parameter, case-insensitively (VTEX's APIs are: `pageSize` and `pagesize` both work). */
function query(url: URL, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of url.searchParams) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

function positiveInt(value: string | undefined, name: string): number {
  if (value === undefined || !/^\d+$/.test(value) || Number(value) < 1) throw new HttpError(400, `${name} must be a positive integer`);
  return Number(value);
}

/** Validates the simulation items, reporting every problem at once. */
function parseSimulationItems(items: unknown): SimulationItem[] {
  if (!Array.isArray(items) || items.length === 0) throw new HttpError(400, 'items must be a non-empty array');
  const problems: string[] = [];
  items.forEach((item: unknown, i) => {
    if (!isObject(item)) return void problems.push(`items[${i}] must be an object`);
    if (typeof item.id !== 'string' || item.id === '') problems.push(`items[${i}].id must be a non-empty string`);
    if (!Number.isInteger(item.quantity) || (item.quantity as number) < 1) problems.push(`items[${i}].quantity must be a positive integer`);
    if (typeof item.seller !== 'string' || item.seller === '') problems.push(`items[${i}].seller must be a non-empty string`);
  });
  if (problems.length > 0) throw new HttpError(400, problems.join('; '));
  return items as SimulationItem[];
}

/** ISO-8601 with 7 fractional digits, as .NET (and so VTEX) writes it: `2018-08-20T15:11:28.1978783Z`. */
function vtexTimestamp(): string {
  const subMillisecond = String(Math.floor((performance.now() % 1) * 10_000)).padStart(4, '0');
  return new Date().toISOString().replace('Z', `${subMillisecond}Z`);
}
