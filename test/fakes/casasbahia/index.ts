// FakeCasasBahia: a real HTTP server with Via's marketplace APIs (Casas Bahia, Ponto, Extra) behind the `client_id` +
// `access_token` headers: the catalogue importer v4 with its SKU lifecycle (AGUARDANDO_PROCESSAMENTO → VALIDO → opt-in
// → AGUARDANDO_CONFIRMACAO → confirm → INTEGRANDO → FICHA_INTEGRADA, or INVALIDO with violations) advanced on a fake
// clock, the offer API v4 (price — a drop over 50 % is refused — and stock; stock 0 deactivates) and the seller items
// of API v2 for reading the remote state. Errors are Via's `{errors:[{code, type, message, skuSellerId}]}`.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  FakeServerBase,
  findRoute,
  hash32,
  HttpError,
  isObject,
  itemCounters,
  type ItemCounters,
  readJsonObject,
  retryAfterSeconds,
  sendJson,
  TokenBucket,
} from '../http.js';
import {
  catalogViolations,
  DEFAULT_VIA_CATEGORIES,
  toImportedSkus,
  type ViaCategory,
  type ViaErrorEntry,
  type ViaImportedSku,
  type ViaSkuStatus,
  type ViaViolation,
  validateImport,
} from './catalog.js';

export type { ViaAttribute, ViaCategory, ViaErrorEntry, ViaImportedSku, ViaSkuStatus, ViaViolation } from './catalog.js';
export { DEFAULT_VIA_CATEGORIES, MAX_IMAGES as VIA_MAX_IMAGES } from './catalog.js';

/** The sites an offer is sold on (mnemonics of Via's API). */
export const VIA_SITES = ['CB', 'PF', 'EX'] as const;

/** The live offer of an integrated SKU, as GET /api/v2/sellerItems answers it. */
export interface ViaSellerItem {
  skuSellerId: string;
  skuSiteId: string;
  title: string;
  brand: string;
  gtin: string[];
  status: { active: boolean; site: string }[];
  prices: { default: number; offer: number; site: string }[];
  stocks: { quantity: number; crossDockingTime: number }[];
  images: { url: string }[];
  dimensions: { height: number; width: number; length: number; weight: number };
  attributes: { idUda: string; valor: string }[];
}

export interface FakeCasasBahiaOptions {
  port?: number;
  host?: string;
  clientId?: string;
  accessToken?: string;
  /** Monotonic milliseconds (default `performance.now`); `advanceTime()` adds to it. */
  clock?: () => number;
  /** How long a SKU stays AGUARDANDO_PROCESSAMENTO and INTEGRANDO before the fake moves it on (default 0: at the next
   * request that sees it). `'manual'`: only `advance()` moves them. */
  lifecycle?: { processingMs?: number; integrationMs?: number } | 'manual';
  /** Via's categories with their attributes; mapping to them is mandatory. */
  categories?: readonly ViaCategory[];
  /** Token bucket over every authenticated request; default 10/s (Via publishes no number: inferred); `false`
   * disables it. */
  rateLimit?: { perSecond: number; burst?: number; retryAfterSeconds?: number } | false;
}

export interface CasasBahiaCounters extends ItemCounters {
  /** SKUs imported for the first time. */
  creates: number;
  /** SKUs imported again after INVALIDO. */
  updates: number;
  optIns: number;
  confirmations: number;
  /** Stock updates that took an offer to 0 (Via's deactivation). */
  deactivations: number;
  /** Status polls and seller-item reads. */
  gets: number;
  /** 400/404/422 answers. */
  rejected: number;
}

interface ViaRoute {
  method: string;
  path: RegExp;
  handle: (req: IncomingMessage, res: ServerResponse, params: string[], url: URL) => Promise<void> | void;
}

const IMPORTER = '/api/v4/api-front-importer-v4/jersey';
const MAX_PAGE = 50; // `_limit` ≤ 50 on Via's paged resources
const PRICE_DROP_LIMIT = 0.5;

function viaError(status: number, errors: ViaErrorEntry[]): HttpError {
  return new HttpError(status, errors[0]?.message ?? 'Error', {}, { errors });
}

/** Via's documented generic errors by status. */
function genericError(status: number, skuSellerId?: string, message?: string): HttpError {
  const known: Record<number, [string, string, string]> = {
    400: ['400', 'APIException', 'Malformed Request'],
    401: ['401.001', 'SecurityException', 'Você não tem permissão para acessar o recurso desejado'],
    404: ['404', 'APIException', 'Resource not Found'],
    405: ['405', 'APIException', 'Method not Allowed'],
    413: ['413', 'APIException', 'Request exceeds the allowed maximum size'],
    429: ['429', 'APIException', 'Request exceed the maximum quantity of allowed calls to the API'],
  };
  const [code, type, text] = known[status] ?? ['999.999', 'APIGenericError', 'Server error'];
  return viaError(status, [{ code, type, message: message ?? text, ...(skuSellerId !== undefined && { skuSellerId }) }]);
}

function business(message: string, skuSellerId: string, code = '422.001'): HttpError {
  return viaError(422, [{ code, type: 'BusinessException', message, skuSellerId }]);
}

/** `url` stands in for `https://api-mktplace.viavarejo.com.br` (routes under `/api/v4/…` and `/api/v2/…`). */
export class FakeCasasBahia extends FakeServerBase<CasasBahiaCounters> {
  readonly clientId: string;
  readonly categories: readonly ViaCategory[];
  /** Imported SKUs by seller SKU id (`idSkuLojista`), whatever their status. */
  readonly imports = new Map<string, ViaImportedSku>();
  /** Live offers (integrated SKUs) by seller SKU id. */
  readonly sellerItems = new Map<string, ViaSellerItem>();
  readonly counters: CasasBahiaCounters = itemCounters({ optIns: 0, confirmations: 0 });
  readonly #clock: () => number;
  #offset = 0;
  #lifecycle: { processingMs: number; integrationMs: number } | 'manual';
  #accessToken: string;
  readonly #bucket: TokenBucket | undefined;
  readonly #fixedRetryAfter: number | undefined;

  private constructor(opts: FakeCasasBahiaOptions) {
    super(500);
    this.clientId = opts.clientId ?? randomBytes(9).toString('base64url');
    this.#accessToken = opts.accessToken ?? randomBytes(18).toString('base64url');
    this.categories = opts.categories ?? DEFAULT_VIA_CATEGORIES;
    this.#clock = opts.clock ?? (() => performance.now());
    this.#lifecycle = FakeCasasBahia.#lifecycleOf(opts.lifecycle);
    const rate = opts.rateLimit === undefined ? { perSecond: 10 } : opts.rateLimit;
    this.#bucket = rate ? new TokenBucket(rate.perSecond, rate.burst, this.now()) : undefined;
    this.#fixedRetryAfter = rate ? rate.retryAfterSeconds : undefined;
  }

  static async start(opts: FakeCasasBahiaOptions = {}): Promise<FakeCasasBahia> {
    const fake = new FakeCasasBahia(opts);
    await fake.serve((req, res, url) => fake.#handle(req, res, url), {
      port: opts.port,
      host: opts.host,
      errorBody: (status, message) => genericError(status, undefined, status === 500 ? undefined : message).body,
    });
    return fake;
  }

  static #lifecycleOf(lifecycle: FakeCasasBahiaOptions['lifecycle']): { processingMs: number; integrationMs: number } | 'manual' {
    return lifecycle === 'manual' ? 'manual' : { processingMs: lifecycle?.processingMs ?? 0, integrationMs: lifecycle?.integrationMs ?? 0 };
  }

  /** The one access token that works now. */
  get accessToken(): string {
    return this.#accessToken;
  }

  /** The seller's token is revoked and a new one issued (Via's tokens are static): the old one gets 401 from now on. */
  rotateAccessToken(): string {
    this.#accessToken = randomBytes(18).toString('base64url');
    return this.#accessToken;
  }

  /** Changes how the timed steps move from now on (e.g. `'manual'` to hold SKUs in AGUARDANDO_PROCESSAMENTO). */
  setLifecycle(lifecycle: FakeCasasBahiaOptions['lifecycle']): void {
    this.#lifecycle = FakeCasasBahia.#lifecycleOf(lifecycle);
  }

  /** The fake clock: the configured clock plus every `advanceTime()`. */
  now(): number {
    return this.#clock() + this.#offset;
  }

  /** Moves the fake clock on and applies the timed transitions that became due. */
  advanceTime(ms: number): void {
    this.#offset += ms;
    this.#settle();
  }

  /** Moves SKUs in a timed status (AGUARDANDO_PROCESSAMENTO, INTEGRANDO) to their next status now, whatever the
   * schedule; all of them, or only `idSkuLojista`. Returns the new statuses. */
  advance(idSkuLojista?: string): { idSkuLojista: string; status: ViaSkuStatus }[] {
    const moved: { idSkuLojista: string; status: ViaSkuStatus }[] = [];
    for (const sku of this.imports.values()) {
      if (idSkuLojista !== undefined && sku.idSkuLojista !== idSkuLojista) continue;
      if (sku.status === 'AGUARDANDO_PROCESSAMENTO' || sku.status === 'INTEGRANDO') {
        this.#step(sku);
        moved.push({ idSkuLojista: sku.idSkuLojista, status: sku.status });
      }
    }
    return moved;
  }

  /** Sends a SKU to INVALIDO with these violations (e.g. a catalogue analyst's refusal). */
  invalidate(idSkuLojista: string, violacoes: ViaViolation[]): void {
    const sku = this.imports.get(idSkuLojista);
    if (!sku) throw new Error(`FakeCasasBahia: no imported SKU ${idSkuLojista}`);
    this.#enter(sku, 'INVALIDO');
    sku.violacoes = structuredClone(violacoes);
  }

  getImport(idSkuLojista: string): ViaImportedSku | undefined {
    this.#settle();
    return this.imports.get(idSkuLojista);
  }

  getSellerItem(skuSellerId: string): ViaSellerItem | undefined {
    this.#settle();
    return this.sellerItems.get(skuSellerId);
  }

  // ---- lifecycle ----

  #enter(sku: ViaImportedSku, status: ViaSkuStatus): void {
    sku.status = status;
    sku.since = this.now();
    if (status !== 'INVALIDO') sku.violacoes = [];
  }

  /** The timed transition out of AGUARDANDO_PROCESSAMENTO (catalogue processing) or INTEGRANDO (offer goes live). */
  #step(sku: ViaImportedSku): void {
    if (sku.status === 'AGUARDANDO_PROCESSAMENTO') {
      const violations = catalogViolations(sku, this.categories);
      this.#enter(sku, violations.length > 0 ? 'INVALIDO' : 'VALIDO');
      sku.violacoes = violations;
    } else if (sku.status === 'INTEGRANDO') {
      this.#enter(sku, 'FICHA_INTEGRADA');
      this.sellerItems.set(sku.idSkuLojista, this.#sellerItem(sku));
    }
  }

  #settle(): void {
    if (this.#lifecycle === 'manual') return;
    const now = this.now();
    for (const sku of this.imports.values()) {
      if (sku.status === 'AGUARDANDO_PROCESSAMENTO' && now >= sku.since + this.#lifecycle.processingMs) this.#step(sku);
      if (sku.status === 'INTEGRANDO' && now >= sku.since + this.#lifecycle.integrationMs) this.#step(sku);
    }
  }

  #sellerItem(sku: ViaImportedSku): ViaSellerItem {
    const active = sku.estoque.quantidade > 0;
    return {
      skuSellerId: sku.idSkuLojista,
      skuSiteId: String(10_000_000 + (hash32('via', sku.idSkuLojista) % 90_000_000)),
      title: sku.product.titulo,
      brand: sku.product.marca,
      gtin: sku.gtin ? [sku.gtin] : [],
      status: VIA_SITES.map((site) => ({ active, site })),
      prices: VIA_SITES.map((site) => ({ default: sku.preco.padrao, offer: sku.preco.oferta, site })),
      stocks: [{ quantity: sku.estoque.quantidade, crossDockingTime: sku.estoque.tempoDePreparacao }],
      images: sku.imagens.map((url) => ({ url })),
      dimensions: { height: sku.dimensao.altura, width: sku.dimensao.largura, length: sku.dimensao.profundidade, weight: sku.dimensao.peso },
      attributes: [...sku.product.atributos, ...sku.atributos],
    };
  }

  // ---- HTTP ----

  readonly #routes: readonly ViaRoute[] = [
    { method: 'POST', path: /^\/api\/v4\/api-front-importer-v4\/jersey\/import\/itens\/?$/, handle: (req, res) => this.#import(req, res) },
    { method: 'GET', path: /^\/api\/v4\/api-front-importer-v4\/jersey\/import\/itens\/statusSku\/?$/, handle: (_q, res, _p, url) => this.#statuses(res, url) },
    {
      method: 'GET',
      path: /^\/api\/v4\/api-front-importer-v4\/jersey\/import\/itens\/([^/]+)\/sku\/([^/]+)\/status\/?$/,
      handle: (_q, res, [item, sku]) => this.#status(res, item!, sku!),
    },
    {
      method: 'PUT',
      path: /^\/api\/v4\/api-front-importer-v4\/jersey\/import\/itens\/([^/]+)\/sku\/([^/]+)\/optar\/?$/,
      handle: (req, res, [item, sku]) => this.#optIn(req, res, item!, sku!),
    },
    {
      method: 'PUT',
      path: /^\/api\/v4\/api-front-importer-v4\/jersey\/import\/itens\/([^/]+)\/sku\/([^/]+)\/confirmar\/?$/,
      handle: (_q, res, [item, sku]) => this.#confirm(res, item!, sku!),
    },
    {
      method: 'DELETE',
      path: /^\/api\/v4\/api-front-importer-v4\/jersey\/import\/itens\/([^/]+)\/sku\/([^/]+)\/?$/,
      handle: (_q, res, [item, sku]) => this.#deleteImport(res, item!, sku!),
    },
    { method: 'PUT', path: /^\/api\/v4\/api-front-offer-v4\/jersey\/offer\/price\/?$/, handle: (req, res) => this.#price(req, res) },
    { method: 'PUT', path: /^\/api\/v4\/api-front-offer-v4\/jersey\/offer\/stock\/?$/, handle: (req, res) => this.#stock(req, res) },
    { method: 'GET', path: /^\/api\/v2\/sellerItems\/?$/, handle: (_q, res, _p, url) => this.#listSellerItems(res, url) },
    { method: 'GET', path: /^\/api\/v2\/sellerItems\/([^/]+)\/?$/, handle: (_q, res, [sku]) => this.#getSellerItem(res, sku!) },
  ];

  async #handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    this.counters.requests++;
    const answered = await this.playFaults({
      fail: (status) => genericError(status),
      rateLimit: (seconds) => this.#tooManyRequests(seconds),
    });
    if (!answered) return; // a scripted timeout: never answered, close() drops the socket

    const found = findRoute(this.#routes, req.method, url.pathname);
    if (!found) throw genericError(404);
    if (req.headers.client_id !== this.clientId || req.headers.access_token !== this.#accessToken) {
      this.counters.unauthorized++;
      throw genericError(401);
    }
    const now = this.now();
    const waitMs = this.#bucket?.take(now) ?? 0;
    if (waitMs > 0) return this.#tooManyRequests(this.#fixedRetryAfter ?? retryAfterSeconds(waitMs));
    this.observeRate(now);
    this.#settle();
    await this.countingRejections([400, 404, 422], () => found.route.handle(req, res, found.params, url));
  }

  #tooManyRequests(seconds: number): never {
    this.counters.rateLimited++;
    const error = genericError(429);
    throw new HttpError(429, error.message, { 'retry-after': String(seconds) }, error.body);
  }

  #importOr404(idItem: string, idSkuLojista: string): ViaImportedSku {
    const sku = this.imports.get(idSkuLojista);
    if (!sku || sku.idItem !== idItem) throw genericError(404, idSkuLojista, `SKU ${idSkuLojista} of item ${idItem} not found`);
    return sku;
  }

  async #import(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readViaJson(req);
    const problems = validateImport(body);
    const skus = problems.length === 0 ? toImportedSkus(body, this.now()) : [];
    for (const sku of skus) {
      const existing = this.imports.get(sku.idSkuLojista);
      // Only a refused SKU can be sent again; integrated ones change through the offer API (inferred).
      if (existing && existing.status !== 'INVALIDO') {
        problems.push({
          code: '422.002',
          type: 'BusinessException',
          message: `SKU ${sku.idSkuLojista} já importado (status ${existing.status})`,
          skuSellerId: sku.idSkuLojista,
        });
      }
    }
    if (problems.length > 0) throw viaError(problems.some((p) => p.code.startsWith('400')) ? 400 : 422, problems);
    for (const sku of skus) {
      if (this.imports.has(sku.idSkuLojista)) this.counters.updates++;
      else this.counters.creates++;
      this.imports.set(sku.idSkuLojista, sku);
    }
    const ids = skus.map((s) => s.idSkuLojista).join(',');
    res.writeHead(202, {
      'content-type': 'application/json; charset=utf-8',
      location: `${IMPORTER}/import/itens/statusSku?idSkusLojista=${encodeURIComponent(ids)}`,
    });
    res.end(JSON.stringify({ itens: skus.map((s) => ({ idItem: s.idItem, idSkuLojista: s.idSkuLojista, skuStatus: s.status })) }));
  }

  #statusJson(sku: ViaImportedSku): Record<string, unknown> {
    return { idItem: sku.idItem, idSkuLojista: sku.idSkuLojista, skuStatus: sku.status, violacoes: structuredClone(sku.violacoes) };
  }

  /** GET …/import/itens/statusSku?idSkusLojista=a,b: the known ones, unknown ids left out (as public clients expect). */
  #statuses(res: ServerResponse, url: URL): void {
    const ids = (url.searchParams.get('idSkusLojista') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (ids.length === 0) throw viaError(400, [{ code: '400.003', type: 'QueryStringException', message: 'queryString parameter idSkusLojista is required' }]);
    if (ids.length > MAX_PAGE)
      throw viaError(400, [{ code: '400.003', type: 'QueryStringException', message: `queryString parameter idSkusLojista accepts at most ${MAX_PAGE} ids` }]);
    this.counters.gets++;
    sendJson(res, 200, { itens: ids.flatMap((id) => (this.imports.has(id) ? [this.#statusJson(this.imports.get(id)!)] : [])) });
  }

  #status(res: ServerResponse, idItem: string, idSkuLojista: string): void {
    const sku = this.#importOr404(idItem, idSkuLojista);
    this.counters.gets++;
    sendJson(res, 200, this.#statusJson(sku));
  }

  async #optIn(req: IncomingMessage, res: ServerResponse, idItem: string, idSkuLojista: string): Promise<void> {
    const sku = this.#importOr404(idItem, idSkuLojista);
    const body = await readViaJson(req);
    const resultado = body.resultado;
    if (!(resultado === 'NEW_SKU' || (typeof resultado === 'string' && /^\d+$/.test(resultado)))) {
      throw viaError(400, [
        {
          code: '400.002',
          type: 'APIException',
          message: 'The informed attribute does not exist or is invalid: resultado ("NEW_SKU" or the id of an existing Via SKU)',
          skuSellerId: idSkuLojista,
        },
      ]);
    }
    if (sku.status !== 'VALIDO') throw business(`SKU ${idSkuLojista} não está VALIDO (status atual: ${sku.status})`, idSkuLojista);
    sku.resultado = resultado;
    this.#enter(sku, 'AGUARDANDO_CONFIRMACAO');
    this.counters.optIns++;
    res.writeHead(204).end();
  }

  #confirm(res: ServerResponse, idItem: string, idSkuLojista: string): void {
    const sku = this.#importOr404(idItem, idSkuLojista);
    if (sku.status !== 'AGUARDANDO_CONFIRMACAO')
      throw business(`SKU ${idSkuLojista} não está AGUARDANDO_CONFIRMACAO (status atual: ${sku.status})`, idSkuLojista);
    this.#enter(sku, 'INTEGRANDO');
    this.counters.confirmations++;
    res.writeHead(204).end();
  }

  #deleteImport(res: ServerResponse, idItem: string, idSkuLojista: string): void {
    const sku = this.#importOr404(idItem, idSkuLojista);
    if (sku.status === 'FICHA_INTEGRADA') throw business(`SKU ${idSkuLojista} já integrado: desative-o com estoque 0`, idSkuLojista);
    this.imports.delete(idSkuLojista);
    res.writeHead(204).end();
  }

  #offerOr404(body: Record<string, unknown>): [string, ViaSellerItem] {
    const id = body.idSkuLojista;
    if (typeof id !== 'string' || id === '')
      throw viaError(400, [{ code: '400.001', type: 'APIException', message: 'The requested attribute does not exist: idSkuLojista' }]);
    const item = this.sellerItems.get(id);
    if (!item) throw genericError(404, id, `SKU ${id} has no offer yet (not FICHA_INTEGRADA)`);
    return [id, item];
  }

  /** PUT …/offer/price `{idSkuLojista, preco:{padrao, oferta}}`: numbers (or dot-decimal strings), unlike the import. */
  async #price(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readViaJson(req);
    const [id, item] = this.#offerOr404(body);
    const preco = isObject(body.preco) ? body.preco : {};
    const problems: ViaErrorEntry[] = [];
    const parsed: Record<string, number> = {};
    for (const field of ['padrao', 'oferta']) {
      const n = offerNumber(preco[field]);
      if (n === undefined || n <= 0) {
        problems.push({
          code: '400.002',
          type: 'APIException',
          message: `The informed attribute does not exist or is invalid: preco.${field} (a number > 0 with a dot decimal, e.g. 2499.90)`,
          skuSellerId: id,
        });
      } else parsed[field] = n;
    }
    if (problems.length === 0 && parsed.oferta! > parsed.padrao!) {
      problems.push({
        code: '400.002',
        type: 'APIException',
        message: `The informed attribute does not exist or is invalid: preco.oferta (${parsed.oferta} is greater than preco.padrao ${parsed.padrao})`,
        skuSellerId: id,
      });
    }
    if (problems.length > 0) throw viaError(400, problems);
    const current = item.prices[0]!;
    // Via's safety net: a price more than 50 % below the current one is refused ("Preço Oferta possui variação maior que 50%").
    const drops: ViaErrorEntry[] = [];
    if (parsed.oferta! < current.offer * PRICE_DROP_LIMIT)
      drops.push({ code: '422.003', type: 'BusinessException', message: 'Preço Oferta possui variação maior que 50%', skuSellerId: id });
    if (parsed.padrao! < current.default * PRICE_DROP_LIMIT)
      drops.push({ code: '422.003', type: 'BusinessException', message: 'Preço Padrão possui variação maior que 50%', skuSellerId: id });
    if (drops.length > 0) throw viaError(422, drops);
    item.prices = VIA_SITES.map((site) => ({ default: parsed.padrao!, offer: parsed.oferta!, site }));
    this.counters.priceUpdates++;
    res.writeHead(204).end();
  }

  /** PUT …/offer/stock `{idSkuLojista, estoque:{quantidade, tempoDePreparacao}}`; quantity 0 takes the offer off sale. */
  async #stock(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readViaJson(req);
    const [id, item] = this.#offerOr404(body);
    const estoque = isObject(body.estoque) ? body.estoque : {};
    const problems: ViaErrorEntry[] = [];
    const quantity = offerInt(estoque.quantidade);
    const crossDocking = estoque.tempoDePreparacao === undefined ? item.stocks[0]!.crossDockingTime : offerInt(estoque.tempoDePreparacao);
    if (quantity === undefined)
      problems.push({
        code: '400.002',
        type: 'APIException',
        message: 'The informed attribute does not exist or is invalid: estoque.quantidade (an integer >= 0)',
        skuSellerId: id,
      });
    if (crossDocking === undefined)
      problems.push({
        code: '400.002',
        type: 'APIException',
        message: 'The informed attribute does not exist or is invalid: estoque.tempoDePreparacao (an integer number of days >= 0)',
        skuSellerId: id,
      });
    if (problems.length > 0) throw viaError(400, problems);
    if (quantity === 0 && item.stocks[0]!.quantity > 0) this.counters.deactivations++;
    item.stocks = [{ quantity: quantity!, crossDockingTime: crossDocking! }];
    item.status = VIA_SITES.map((site) => ({ active: quantity! > 0, site }));
    this.counters.stockUpdates++;
    res.writeHead(204).end();
  }

  #getSellerItem(res: ServerResponse, id: string): void {
    const item = this.sellerItems.get(id);
    if (!item) throw genericError(404, id);
    this.counters.gets++;
    sendJson(res, 200, structuredClone(item));
  }

  /** GET /api/v2/sellerItems?_offset&_limit (≤ 50). */
  #listSellerItems(res: ServerResponse, url: URL): void {
    const offset = url.searchParams.get('_offset') ?? '0';
    const limit = url.searchParams.get('_limit') ?? String(MAX_PAGE);
    const problems: ViaErrorEntry[] = [];
    if (!/^\d+$/.test(offset))
      problems.push({ code: '400.003', type: 'QueryStringException', message: 'queryString parameter with an invalid value: _offset (an integer >= 0)' });
    if (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_PAGE) {
      problems.push({ code: '400.003', type: 'QueryStringException', message: `queryString parameter with an invalid value: _limit (1 to ${MAX_PAGE})` });
    }
    if (problems.length > 0) throw viaError(400, problems);
    const all = [...this.sellerItems.values()].sort((a, b) => a.skuSellerId.localeCompare(b.skuSellerId));
    const from = Number(offset);
    this.counters.gets++;
    sendJson(res, 200, {
      sellerItems: all.slice(from, from + Number(limit)).map((i) => structuredClone(i)),
      metadata: [
        { key: 'totalRows', value: String(all.length) },
        { key: 'offset', value: offset },
        { key: 'limit', value: limit },
      ],
    });
  }
}

function offerNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\d+(\.\d{1,2})?$/.test(value)) return Number(value);
  return undefined;
}

function offerInt(value: unknown): number | undefined {
  if (Number.isInteger(value) && (value as number) >= 0) return value as number;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

async function readViaJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  try {
    return await readJsonObject(req);
  } catch (err) {
    if (err instanceof HttpError && err.status === 400) throw genericError(400, undefined, `Malformed Request: ${err.message}`);
    throw err;
  }
}
