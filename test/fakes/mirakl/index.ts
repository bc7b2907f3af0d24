// FakeMirakl: a real HTTP server speaking the Mirakl seller (shop) API one marketplace runs on its own instance —
// instantiate it once per marketplace (Carrefour, Centauro). Shop API key auth (`Authorization: <key>`, no Bearer),
// P41/P42/P44 product imports that end catalogued or rejected, OF01/OF02/OF03 offer imports and OF24 offer updates that
// reset every field left out, import-frequency limits on the fake's scalable clock, product data frozen once
// catalogued, and offers for products not catalogued yet refused per line and counted.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  FakeClock,
  FakeServerBase,
  findRoute,
  HttpError,
  isObject,
  readJsonObject,
  readMultipart,
  sendJson,
  sendText,
  WindowLimit,
} from '../http.js';
import { type CsvTable, parseCsv, toCsv } from './csv.js';
import { buildOffer, type FakeMiraklOffer, IMPORT_MODES, type ImportMode, lineFromCsv, lineFromJson, type OfferLine, offerJson } from './offers.js';
import {
  CARREFOUR_BR_PRODUCT_RULES,
  changedColumns,
  type FakeMiraklProduct,
  type MiraklProductRules,
  missingColumns,
  productData,
  validateProductRow,
} from './products.js';

export type { FakeMiraklOffer, ImportMode, OfferFields } from './offers.js';
export { OF01_COLUMNS } from './offers.js';
export type { FakeMiraklProduct, MiraklProductRules, ProductStatus } from './products.js';
export { CARREFOUR_BR_PRODUCT_RULES, MIRAKL_PRODUCT_COLUMNS } from './products.js';

export type ProductImportStatus = 'WAITING' | 'RUNNING' | 'SENT' | 'COMPLETE' | 'FAILED';
export type OfferImportStatus = 'WAITING' | 'RUNNING' | 'COMPLETE' | 'FAILED';

/** Documented call frequencies: offer imports at most once a minute, product imports at most every 15 minutes. */
export const MIRAKL_MIN_INTERVALS = { OF01: 60_000, OF24: 60_000, P41: 15 * 60_000 } as const;

export interface FakeMiraklOptions {
  /** Which marketplace this instance is ("carrefour", "centauro"): shown in messages and `describe()`. */
  name?: string;
  /** The shop API key sent as `Authorization: <key>`. */
  apiKey?: string;
  shopId?: number;
  port?: number;
  host?: string;
  /** See FakeClock (1 = real time, 60 = a marketplace minute per real second, 0 = frozen); ignored with `clock`. */
  timeScale?: number;
  clock?: FakeClock;
  /** Marketplace ms. Every import waits `waitingMs` (default 10 s) then runs: offers `offerRunningMs` (default 50 s);
   * products `productRunningMs` (default 20 s) then SENT to the operator for `productIntegrationMs` (default 270 s). */
  delays?: { waitingMs?: number; offerRunningMs?: number; productRunningMs?: number; productIntegrationMs?: number };
  /** Minimum marketplace ms between two accepted calls of each import API (default MIRAKL_MIN_INTERVALS); false = none. */
  minIntervals?: Partial<Record<keyof typeof MIRAKL_MIN_INTERVALS, number | false>>;
  /** The operator's product rules (default: Carrefour Brazil's). */
  productRules?: MiraklProductRules;
  /** Offer state codes the marketplace accepts (default ["11"], New). */
  offerStates?: string[];
}

export interface MiraklCounters {
  /** Every request received, whatever its outcome. */
  requests: number;
  unauthorized: number;
  /** 429 answers, forced or from an import-frequency limit. */
  rateLimited: number;
  /** Accepted P41 / OF01 / OF24 calls. */
  productImports: number;
  offerImports: number;
  offerUpdates: number;
  productsCatalogued: number;
  /** Product rows refused (invalid, or rejected by the operator). */
  productsRejected: number;
  /** Rows that tried to change a catalogued product's data (refused: the data is frozen). */
  frozenProductUpdates: number;
  offerLinesAccepted: number;
  offerLinesRejected: number;
  /** Offer lines for products not catalogued yet (refused; see `offersBeforeCatalogued`). */
  offersBeforeCatalogued: number;
}

/** An offer line refused because its product was not catalogued. */
export interface MiraklOfferBeforeCatalogue {
  shopSku: string;
  productId: string;
  productIdType: string;
  via: 'OF01' | 'OF24';
  importId: number;
  /** Marketplace time (ISO-8601). */
  at: string;
}

/** A product row that tried to change a catalogued product. */
export interface FrozenProductUpdate {
  sku: string;
  changedColumns: string[];
  importId: number;
  at: string;
}

interface Report {
  columns: string[];
  rows: (string | number)[][];
}

interface ProductImport {
  kind: 'product';
  id: number;
  createdAt: number;
  status: ProductImportStatus;
  reasonStatus?: string;
  table?: CsvTable;
  parseError?: string;
  errorReport?: Report;
  stats: { read: number; success: number; error: number; catalogued: number; invalid: number; wrongIdentifiers: number; rejected: number; reimported: number };
}

interface OfferImport {
  kind: 'offer';
  id: number;
  origin: 'OF01' | 'OF24';
  mode: ImportMode;
  createdAt: number;
  status: OfferImportStatus;
  reasonStatus?: string;
  table?: CsvTable;
  parseError?: string;
  lines?: OfferLine[];
  errorReport?: Report;
  stats: { read: number; success: number; error: number; inserted: number; updated: number; deleted: number };
}

export type FakeMiraklImport = Readonly<ProductImport | OfferImport>;

interface MiraklRoute {
  method: string;
  path: RegExp;
  handle: (req: IncomingMessage, res: ServerResponse, params: string[], url: URL) => Promise<void> | void;
}

const MAX_FILE_BYTES = 50 * 1024 * 1024;

function miraklError(status: number, message: string, headers: Record<string, string> = {}): HttpError {
  return new HttpError(status, message, headers, { message, status });
}

/** `url` stands in for the marketplace's Mirakl instance (`https://<operator>.mirakl.net`); paths start with /api. */
export class FakeMirakl extends FakeServerBase<MiraklCounters> {
  readonly name: string;
  readonly apiKey: string;
  readonly shopId: number;
  readonly clock: FakeClock;
  readonly rules: MiraklProductRules;
  readonly counters: MiraklCounters = {
    requests: 0,
    unauthorized: 0,
    rateLimited: 0,
    productImports: 0,
    offerImports: 0,
    offerUpdates: 0,
    productsCatalogued: 0,
    productsRejected: 0,
    frozenProductUpdates: 0,
    offerLinesAccepted: 0,
    offerLinesRejected: 0,
    offersBeforeCatalogued: 0,
  };
  /** Every offer line refused because its product was not catalogued, oldest first. */
  readonly offersBeforeCatalogued: MiraklOfferBeforeCatalogue[] = [];
  /** Every product row that tried to change a catalogued product, oldest first. */
  readonly frozenProductUpdates: FrozenProductUpdate[] = [];
  readonly #products = new Map<string, FakeMiraklProduct>();
  readonly #offers = new Map<string, FakeMiraklOffer>();
  readonly #imports = new Map<number, ProductImport | OfferImport>();
  readonly #limits = new Map<keyof typeof MIRAKL_MIN_INTERVALS, WindowLimit>();
  readonly #delays: Required<NonNullable<FakeMiraklOptions['delays']>>;
  readonly #states: readonly string[];
  readonly #operatorRejections = new Map<string, string>();
  #failImports = 0;
  #lastImportId = 2300;
  #lastOfferId = 5000;

  private constructor(opts: FakeMiraklOptions) {
    super(500);
    this.name = opts.name ?? 'mirakl';
    this.apiKey = opts.apiKey ?? randomBytes(18).toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
    this.shopId = opts.shopId ?? 2001;
    this.clock = opts.clock ?? new FakeClock({ timeScale: opts.timeScale ?? 1 });
    this.rules = opts.productRules ?? CARREFOUR_BR_PRODUCT_RULES;
    this.#states = opts.offerStates ?? ['11'];
    this.#delays = { waitingMs: 10_000, offerRunningMs: 50_000, productRunningMs: 20_000, productIntegrationMs: 270_000, ...opts.delays };
    for (const [api, interval] of Object.entries({ ...MIRAKL_MIN_INTERVALS, ...opts.minIntervals }) as [keyof typeof MIRAKL_MIN_INTERVALS, number | false][]) {
      if (interval) this.#limits.set(api, new WindowLimit(1, interval));
    }
  }

  static async start(opts: FakeMiraklOptions = {}): Promise<FakeMirakl> {
    const fake = new FakeMirakl(opts);
    await fake.serve((req, res, url) => fake.#handle(req, res, url), {
      port: opts.port,
      host: opts.host,
      errorBody: (status, message) => ({ message, status }),
    });
    return fake;
  }

  // ---- state (tests) ----

  getProduct(sku: string): FakeMiraklProduct | undefined {
    this.clock.settle();
    const p = this.#products.get(sku);
    return p && structuredClone(p);
  }

  products(): FakeMiraklProduct[] {
    this.clock.settle();
    return [...this.#products.values()].map((p) => structuredClone(p));
  }

  /** `pending` while an import holding the SKU has not completed; `unknown` when no import ever held it. */
  productStatus(sku: string): 'unknown' | 'pending' | 'catalogued' | 'rejected' {
    this.clock.settle();
    const p = this.#products.get(sku);
    if (p?.status === 'catalogued') return 'catalogued';
    for (const i of this.#imports.values()) {
      if (i.kind === 'product' && (i.status === 'WAITING' || i.status === 'RUNNING' || i.status === 'SENT') && i.table?.rows.some((r) => r.values.sku?.trim() === sku)) return 'pending';
    }
    return p?.status ?? 'unknown';
  }

  getOffer(shopSku: string): FakeMiraklOffer | undefined {
    this.clock.settle();
    const o = this.#offers.get(shopSku);
    return o && structuredClone(o);
  }

  offers(): FakeMiraklOffer[] {
    this.clock.settle();
    return [...this.#offers.values()].map((o) => structuredClone(o));
  }

  getImport(importId: number): FakeMiraklImport | undefined {
    this.clock.settle();
    const i = this.#imports.get(importId);
    return i && structuredClone(i);
  }

  /** Catalogues a product directly, as if imported long ago (no validation). */
  seedProduct(values: Record<string, string>): FakeMiraklProduct {
    const sku = values.sku?.trim();
    if (!sku) throw new Error('FakeMirakl.seedProduct: a "sku" is required');
    const data = productData(values);
    const product: FakeMiraklProduct = {
      sku,
      ...(data[this.rules.eanColumn] !== undefined && { ean: data[this.rules.eanColumn] }),
      name: data[this.rules.titleColumn] ?? sku,
      status: 'catalogued',
      data,
      importId: 0,
      at: this.clock.date().toISOString(),
    };
    this.#products.set(sku, product);
    return structuredClone(product);
  }

  /** The operator will reject `sku` (with `reason`) when an import holding it completes, as a Carrefour review can. */
  rejectOnImport(sku: string, reason = 'Rejected by the operator after review'): void {
    this.#operatorRejections.set(sku, reason);
  }

  /** The next `n` imports (product or offer) to finish end FAILED, as a Mirakl-side failure. */
  failNextImports(n: number): void {
    this.#failImports += n;
  }

  override resetCounters(): void {
    super.resetCounters();
    this.offersBeforeCatalogued.length = 0;
    this.frozenProductUpdates.length = 0;
  }

  // ---- HTTP ----

  readonly #routes: readonly MiraklRoute[] = [
    { method: 'POST', path: /^\/api\/products\/imports\/?$/, handle: (req, res) => this.#importProducts(req, res) },
    { method: 'GET', path: /^\/api\/products\/imports\/(\d+)\/?$/, handle: (_req, res, [id]) => this.#productImportStatus(res, Number(id)) },
    { method: 'GET', path: /^\/api\/products\/imports\/(\d+)\/error_report\/?$/, handle: (_req, res, [id]) => this.#errorReport(res, Number(id), 'product') },
    { method: 'GET', path: /^\/api\/products\/?$/, handle: (_req, res, _p, url) => this.#productsByReference(res, url) },
    { method: 'POST', path: /^\/api\/offers\/imports\/?$/, handle: (req, res) => this.#importOffers(req, res) },
    { method: 'GET', path: /^\/api\/offers\/imports\/(\d+)\/?$/, handle: (_req, res, [id]) => this.#offerImportStatus(res, Number(id)) },
    { method: 'GET', path: /^\/api\/offers\/imports\/(\d+)\/error_report\/?$/, handle: (_req, res, [id]) => this.#errorReport(res, Number(id), 'offer') },
    { method: 'POST', path: /^\/api\/offers\/?$/, handle: (req, res) => this.#updateOffers(req, res) },
    { method: 'GET', path: /^\/api\/offers\/?$/, handle: (_req, res, _p, url) => this.#listOffers(res, url) },
  ];

  async #handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    this.counters.requests++;
    const answered = await this.playFaults({
      fail: (status) => miraklError(status, status >= 500 ? 'Internal server error' : 'Injected failure'),
      rateLimit: (seconds) => {
        this.counters.rateLimited++;
        return miraklError(429, 'Too many requests', { 'retry-after': String(seconds) });
      },
    });
    if (!answered) return; // a scripted timeout: never answered, close() drops the socket
    this.clock.settle();
    const found = findRoute(this.#routes, req.method, url.pathname);
    if (!found) throw miraklError(404, `No API at ${req.method} ${url.pathname}`);
    const key = req.headers.authorization;
    if (key !== this.apiKey) {
      this.counters.unauthorized++;
      const hint = key?.startsWith('Bearer ') ? ': send the shop API key itself in Authorization, without "Bearer"' : '';
      throw miraklError(401, `Unauthorized${hint}`);
    }
    const shop = url.searchParams.get('shop_id');
    if (shop !== null && shop !== String(this.shopId)) throw miraklError(403, `The API key does not give access to shop ${shop}`);
    await found.route.handle(req, res, found.params, url);
  }

  /** 429 when `api` was accepted less than its minimum interval ago; otherwise records this call. */
  #checkFrequency(api: keyof typeof MIRAKL_MIN_INTERVALS): void {
    const limit = this.#limits.get(api);
    const waitMs = limit?.take(this.clock.now()) ?? 0;
    if (waitMs > 0) {
      this.counters.rateLimited++;
      const every = limit!.windowMs / 60_000;
      throw miraklError(429, `${api} can be called at most once every ${every} minute${every === 1 ? '' : 's'} per shop; retry in ${Math.ceil(waitMs / 1000)} s (marketplace time)`, {
        'retry-after': String(this.clock.retryAfterSeconds(waitMs)),
      });
    }
  }

  async #fileText(req: IncomingMessage): Promise<{ text: string; form: FormData }> {
    const form = await readMultipart(req, MAX_FILE_BYTES).catch((err: unknown) => {
      if (err instanceof HttpError) throw miraklError(err.status, `${err.message}: send the file as multipart/form-data in a part named "file"`);
      throw err;
    });
    const file = form.get('file');
    if (file === null || typeof file === 'string') throw miraklError(400, 'The multipart body has no file part: send the CSV in a part named "file"');
    return { text: await file.text(), form };
  }

  #newImportId(): number {
    return ++this.#lastImportId;
  }

  // ---- P41 / P42 / P44 / P31 ----

  async #importProducts(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { text } = await this.#fileText(req);
    this.#checkFrequency('P41');
    const imp: ProductImport = {
      kind: 'product',
      id: this.#newImportId(),
      createdAt: this.clock.now(),
      status: 'WAITING',
      stats: { read: 0, success: 0, error: 0, catalogued: 0, invalid: 0, wrongIdentifiers: 0, rejected: 0, reimported: 0 },
    };
    try {
      imp.table = parseCsv(text);
    } catch (err) {
      imp.parseError = `The file is not a valid CSV (";"-separated, with a header row): ${(err as Error).message}`;
    }
    this.#imports.set(imp.id, imp);
    this.counters.productImports++;
    const { waitingMs, productRunningMs, productIntegrationMs } = this.#delays;
    this.clock.after(waitingMs, (at) => {
      imp.status = 'RUNNING';
      this.clock.schedule(at + productRunningMs, (sentAt) => {
        const missing = imp.table ? missingColumns(imp.table.columns, this.rules) : [];
        if (imp.parseError || missing.length > 0) {
          imp.status = 'FAILED';
          imp.reasonStatus = imp.parseError ?? `The file lacks required column(s) ${missing.join(', ')}; the operator format needs ${this.rules.required.join(', ')}`;
          return;
        }
        imp.status = 'SENT';
        this.clock.schedule(sentAt + productIntegrationMs, (doneAt) => this.#completeProducts(imp, doneAt));
      });
    });
    sendJson(res, 201, { import_id: imp.id });
  }

  #completeProducts(imp: ProductImport, at: number): void {
    if (this.#takeFailure(imp)) return;
    const when = new Date(at).toISOString();
    const rows = imp.table!.rows;
    const seen = new Set<string>();
    const errors: Report['rows'] = [];
    for (const { line, values } of rows) {
      imp.stats.read++;
      const sku = (values.sku ?? '').trim();
      const problems = validateProductRow(values, this.rules);
      if (sku !== '' && seen.has(sku)) problems.push(`sku ${sku} appears more than once in the file`);
      seen.add(sku);
      const data = productData(values);
      const ean = data[this.rules.eanColumn];
      const clash = ean === undefined ? undefined : [...this.#products.values()].find((p) => p.ean === ean && p.sku !== sku && p.status === 'catalogued');
      if (clash) problems.push(`${this.rules.eanColumn} ${ean} already identifies product ${clash.sku} in the catalog`);
      const existing = this.#products.get(sku);
      if (problems.length === 0 && existing?.status === 'catalogued') {
        const changed = changedColumns(existing.data, data);
        if (changed.length > 0) {
          problems.push(`product ${sku} is already catalogued and its data is frozen: the change to ${changed.join(', ')} was refused (only offers — price and stock — can change)`);
          this.counters.frozenProductUpdates++;
          this.frozenProductUpdates.push({ sku, changedColumns: changed, importId: imp.id, at: when });
          imp.stats.reimported++;
        }
      }
      const rejection = problems.length === 0 && existing?.status !== 'catalogued' ? this.#operatorRejections.get(sku) : undefined;
      if (rejection !== undefined) {
        this.#operatorRejections.delete(sku);
        this.#products.set(sku, { sku, ...(ean !== undefined && { ean }), name: data[this.rules.titleColumn] ?? sku, status: 'rejected', data, importId: imp.id, at: when, rejectionReason: rejection });
        problems.push(rejection);
        imp.stats.rejected++;
      } else if (problems.length > 0) {
        imp.stats.invalid++;
        if (problems.some((p) => p.startsWith(`${this.rules.eanColumn} `))) imp.stats.wrongIdentifiers++;
      }
      if (problems.length > 0) {
        imp.stats.error++;
        this.counters.productsRejected++;
        errors.push([...imp.table!.columns.map((c) => values[c] ?? ''), line, problems.join('; ')]);
        continue;
      }
      imp.stats.success++;
      if (existing?.status !== 'catalogued') {
        this.#products.set(sku, { sku, ...(ean !== undefined && { ean }), name: data[this.rules.titleColumn]!, status: 'catalogued', data, importId: imp.id, at: when });
        imp.stats.catalogued++;
        this.counters.productsCatalogued++;
      }
    }
    if (errors.length > 0) imp.errorReport = { columns: [...imp.table!.columns, 'error-line', 'error-message'], rows: errors };
    imp.status = 'COMPLETE';
  }

  /** Consumes an injected failure: the import ends FAILED. */
  #takeFailure(imp: ProductImport | OfferImport): boolean {
    if (this.#failImports <= 0) return false;
    this.#failImports--;
    imp.status = 'FAILED';
    imp.reasonStatus = 'Internal error while processing the import (injected by the test): send it again';
    return true;
  }

  #get(id: number, kind: 'product' | 'offer'): ProductImport | OfferImport {
    const imp = this.#imports.get(id);
    if (!imp || imp.kind !== kind) throw miraklError(404, `${kind === 'product' ? 'Product' : 'Offer'} import ${id} not found`);
    return imp;
  }

  #productImportStatus(res: ServerResponse, id: number): void {
    const imp = this.#get(id, 'product') as ProductImport;
    const done = imp.status === 'COMPLETE';
    sendJson(res, 200, {
      import_id: imp.id,
      shop_id: this.shopId,
      import_status: imp.status,
      date_created: new Date(imp.createdAt).toISOString(),
      ...(imp.reasonStatus !== undefined && { reason_status: imp.reasonStatus }),
      has_error_report: imp.errorReport !== undefined,
      has_new_product_report: done && imp.stats.catalogued > 0,
      has_transformed_file: false,
      has_transformation_error_report: false,
      transform_lines_read: imp.stats.read,
      transform_lines_in_success: imp.stats.success,
      transform_lines_in_error: imp.stats.error,
      transform_lines_with_warning: 0,
      integration_details: {
        invalid_products: imp.stats.invalid,
        products_not_accepted_in_time: 0,
        products_not_synchronized_in_time: 0,
        products_reimported: imp.stats.reimported,
        products_successfully_synchronized: imp.stats.success,
        products_with_synchronization_issues: 0,
        products_with_wrong_identifiers: imp.stats.wrongIdentifiers,
        rejected_products: imp.stats.rejected,
      },
    });
  }

  #errorReport(res: ServerResponse, id: number, kind: 'product' | 'offer'): void {
    const imp = this.#get(id, kind);
    if (!imp.errorReport) throw miraklError(404, `Import ${id} has no error report${imp.status === 'COMPLETE' ? '' : ` (it is ${imp.status})`}`);
    sendText(res, 200, toCsv(imp.errorReport.columns, imp.errorReport.rows), 'text/csv; charset=UTF-8', {
      'content-disposition': `attachment; filename="error-report-${id}.csv"`,
    });
  }

  /** P31: catalogued products for `product_references=EAN|7891234567895,…`. */
  #productsByReference(res: ServerResponse, url: URL): void {
    const refs = (url.searchParams.get('product_references') ?? '').split(',').map((r) => r.trim()).filter(Boolean);
    if (refs.length === 0) throw miraklError(400, 'product_references is required, e.g. product_references=EAN|7891234567895');
    if (refs.length > 100) throw miraklError(400, 'At most 100 product references per call');
    const products: Record<string, unknown>[] = [];
    for (const ref of refs) {
      const [type, value] = ref.split('|');
      if (type !== 'EAN' || !value) throw miraklError(400, `Invalid product reference "${ref}": use EAN|<code> (SHOP_SKU and SKU are not product references)`);
      const p = [...this.#products.values()].find((x) => x.status === 'catalogued' && x.ean === value);
      if (p) products.push({ product_sku: p.sku, product_title: p.name, product_references: [{ reference_type: 'EAN', reference: value }], category_code: p.data.category ?? null });
    }
    sendJson(res, 200, { products });
  }

  // ---- OF01 / OF02 / OF03 / OF24 / OF21 ----

  #newOfferImport(origin: 'OF01' | 'OF24', mode: ImportMode): OfferImport {
    const imp: OfferImport = { kind: 'offer', id: this.#newImportId(), origin, mode, createdAt: this.clock.now(), status: 'WAITING', stats: { read: 0, success: 0, error: 0, inserted: 0, updated: 0, deleted: 0 } };
    this.#imports.set(imp.id, imp);
    const { waitingMs, offerRunningMs } = this.#delays;
    this.clock.after(waitingMs, (at) => {
      imp.status = 'RUNNING';
      this.clock.schedule(at + offerRunningMs, (doneAt) => this.#completeOffers(imp, doneAt));
    });
    return imp;
  }

  async #importOffers(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { text, form } = await this.#fileText(req);
    const rawMode = form.get('import_mode');
    const mode = (typeof rawMode === 'string' && rawMode !== '' ? rawMode : 'NORMAL') as ImportMode;
    if (!IMPORT_MODES.includes(mode)) throw miraklError(400, `import_mode must be one of ${IMPORT_MODES.join(', ')} (got ${String(rawMode)})`);
    this.#checkFrequency('OF01');
    const imp = this.#newOfferImport('OF01', mode);
    try {
      imp.table = parseCsv(text);
      if (!imp.table.columns.includes('sku')) imp.parseError = 'The file has no "sku" column';
      else this.#recordEarlyOffers(imp, imp.table.rows.map((r) => lineFromCsv(r.line, r.values)));
    } catch (err) {
      imp.parseError = `The file is not a valid CSV (";"-separated, with a header row): ${(err as Error).message}`;
    }
    this.counters.offerImports++;
    sendJson(res, 201, { import_id: imp.id });
  }

  async #updateOffers(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJsonObject(req, MAX_FILE_BYTES).catch((err: unknown) => {
      throw err instanceof HttpError ? miraklError(err.status, err.message) : err;
    });
    const offers = body.offers;
    if (!Array.isArray(offers) || offers.length === 0) throw miraklError(400, 'The body must be {"offers": [ … ]} with at least one offer');
    const bad = offers.findIndex((o) => !isObject(o));
    if (bad >= 0) throw miraklError(400, `offers[${bad}] must be an object`);
    this.#checkFrequency('OF24');
    const imp = this.#newOfferImport('OF24', 'NORMAL');
    imp.lines = (offers as Record<string, unknown>[]).map((o, i) => lineFromJson(i, o));
    this.#recordEarlyOffers(imp, imp.lines);
    this.counters.offerUpdates++;
    sendJson(res, 201, { import_id: imp.id });
  }

  /** As an import is received: records each offer line whose product is not catalogued at that moment. (Processing,
   * later, refuses the lines whose product is still not catalogued then.) */
  #recordEarlyOffers(imp: OfferImport, lines: readonly OfferLine[]): void {
    const at = this.clock.date().toISOString();
    for (const line of lines) {
      const { productId, productIdType, updateDelete } = line.fields;
      if (updateDelete?.toLowerCase() === 'delete' || productId === undefined || (productIdType !== 'SHOP_SKU' && productIdType !== 'EAN')) continue;
      if (this.#resolveProduct(productIdType, productId)?.status === 'catalogued') continue;
      this.counters.offersBeforeCatalogued++;
      this.offersBeforeCatalogued.push({ shopSku: line.sku, productId, productIdType, via: imp.origin, importId: imp.id, at });
    }
  }

  #resolveProduct(type: string, id: string): FakeMiraklProduct | undefined {
    if (type === 'SHOP_SKU') return this.#products.get(id);
    if (type === 'EAN') return [...this.#products.values()].find((p) => p.ean === id && p.status === 'catalogued') ?? [...this.#products.values()].find((p) => p.ean === id);
    return undefined;
  }

  #completeOffers(imp: OfferImport, at: number): void {
    if (this.#takeFailure(imp)) return;
    if (imp.parseError) {
      imp.status = 'FAILED';
      imp.reasonStatus = imp.parseError;
      return;
    }
    const when = new Date(at).toISOString();
    const lines = imp.lines ?? imp.table!.rows.map((r) => lineFromCsv(r.line, r.values));

    const csv = imp.origin === 'OF01';
    const names = csv
      ? { price: 'price', quantity: 'quantity', state: 'state', discountPrice: 'discount-price', productId: 'product-id', productIdType: 'product-id-type', updateDelete: 'update-delete' }
      : { price: 'price', quantity: 'quantity', state: 'state_code', discountPrice: 'discount.price', productId: 'product_id', productIdType: 'product_id_type', updateDelete: 'update_delete' };
    const seen = new Set<string>();
    const errors: Report['rows'] = [];

    for (const line of lines) {
      imp.stats.read++;
      const problems: string[] = [];
      const existing = this.#offers.get(line.sku);
      const action = (line.fields.updateDelete ?? 'update').toLowerCase();
      if (line.sku === '') problems.push(`${csv ? 'sku' : 'shop_sku'} is required`);
      else if (seen.has(line.sku)) problems.push(`offer ${line.sku} appears more than once in this import`);
      seen.add(line.sku);
      if (action !== 'update' && action !== 'delete') problems.push(`${names.updateDelete} must be empty, "update" or "delete" (got "${line.fields.updateDelete}")`);

      if (problems.length === 0 && action === 'delete') {
        if (existing) {
          this.#offers.delete(line.sku);
          imp.stats.deleted++;
        } else problems.push(`offer ${line.sku} cannot be deleted: it does not exist`);
      } else if (problems.length === 0) {
        const { productId, productIdType } = line.fields;
        let product: FakeMiraklProduct | undefined;
        let ref: { productId: string; productIdType: string } | undefined;
        if (productId !== undefined) {
          if (productIdType === undefined) problems.push(`${names.productIdType} is required with ${names.productId} (SHOP_SKU or EAN)`);
          else if (productIdType !== 'SHOP_SKU' && productIdType !== 'EAN') problems.push(`${names.productIdType} "${productIdType}" is not accepted: use SHOP_SKU or EAN`);
          else {
            ref = { productId, productIdType };
            product = this.#resolveProduct(productIdType, productId);
          }
        } else if (existing) {
          ref = { productId: existing.productId, productIdType: existing.productIdType };
          product = this.#products.get(existing.productSku);
        } else {
          problems.push(`${names.productId} and ${names.productIdType} are required to create an offer`);
        }
        if (ref && product?.status !== 'catalogued') {
          const why = product?.status === 'rejected' ? `was rejected by the operator (${product.rejectionReason ?? 'no reason given'})` : 'does not exist in the catalog (yet)';
          problems.push(`The product ${ref.productIdType}|${ref.productId} ${why}: offers are accepted only for catalogued products`);
        } else if (ref && product) {
          const built = buildOffer(line, {
            mode: imp.mode,
            names,
            states: this.#states,
            existing,
            product: { sku: product.sku, ...ref },
            offerId: this.#lastOfferId + 1,
            now: when,
          });
          problems.push(...built.errors);
          if (built.offer) {
            if (!existing) this.#lastOfferId++;
            this.#offers.set(line.sku, built.offer);
            if (existing) imp.stats.updated++;
            else imp.stats.inserted++;
          }
        }
      }

      if (problems.length > 0) {
        imp.stats.error++;
        this.counters.offerLinesRejected++;
        const rawColumns = csv ? imp.table!.columns.map((c) => line.raw[c] ?? '') : [line.sku];
        errors.push([...rawColumns, line.line, problems.join('; ')]);
      } else {
        imp.stats.success++;
        this.counters.offerLinesAccepted++;
      }
    }
    if (imp.mode === 'REPLACE') {
      for (const sku of [...this.#offers.keys()]) {
        if (!seen.has(sku)) {
          this.#offers.delete(sku);
          imp.stats.deleted++;
        }
      }
    }
    if (errors.length > 0) imp.errorReport = { columns: [...(csv ? imp.table!.columns : ['shop_sku']), 'error-line', 'error-message'], rows: errors };
    imp.status = 'COMPLETE';
  }

  #offerImportStatus(res: ServerResponse, id: number): void {
    const imp = this.#get(id, 'offer') as OfferImport;
    sendJson(res, 200, {
      import_id: imp.id,
      date_created: new Date(imp.createdAt).toISOString(),
      mode: imp.mode,
      status: imp.status,
      ...(imp.reasonStatus !== undefined && { reason_status: imp.reasonStatus }),
      has_error_report: imp.errorReport !== undefined,
      lines_read: imp.stats.read,
      lines_in_success: imp.stats.success,
      lines_in_error: imp.stats.error,
      lines_in_pending: 0,
      offer_inserted: imp.stats.inserted,
      offer_updated: imp.stats.updated,
      offer_deleted: imp.stats.deleted,
    });
  }

  /** OF21: the shop's offers, `max` (≤ 100, default 10) from `offset`, optionally for one `sku`. */
  #listOffers(res: ServerResponse, url: URL): void {
    const max = Number(url.searchParams.get('max') ?? 10);
    const offset = Number(url.searchParams.get('offset') ?? 0);
    if (!(Number.isInteger(max) && max >= 1 && max <= 100)) throw miraklError(400, 'max must be an integer from 1 to 100');
    if (!(Number.isInteger(offset) && offset >= 0)) throw miraklError(400, 'offset must be an integer >= 0');
    const sku = url.searchParams.get('sku');
    const all = [...this.#offers.values()].filter((o) => sku === null || o.shopSku === sku).sort((a, b) => a.offerId - b.offerId);
    sendJson(res, 200, { offers: all.slice(offset, offset + max).map((o) => offerJson(o, this.shopId)), total_count: all.length });
  }
}
