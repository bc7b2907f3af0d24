/**
 * A fake of Vendora Market's API: a real HTTP server that behaves as the documentation says, so the
 * plugin's tests prove something. It checks the API key and seller id (401), validates every item and
 * answers the marketplace's own error shape (422 with `errors[]`), limits the rate (429 with
 * Retry-After), and processes feeds after a delay. Tests inject faults (5xx, 429) and read what the
 * marketplace holds. Time is the test's: pass `now` (the test host's clock) and rate windows, Retry-After
 * and feed processing follow it.
 *
 * Only node: built-ins, so it runs wherever the plugin's tests run.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeVendoraItem {
  id: string;
  sku: string;
  title: string;
  description?: string;
  brand: string;
  gtin?: string;
  category: string;
  price: { amount: number; currency: string };
  stock: number;
  images: string[];
  status: 'active' | 'inactive';
}

export interface FakeVendoraFeed {
  id: string;
  status: 'queued' | 'done';
  entries: Array<Record<string, unknown>>;
  /** Marketplace time at which it is processed. */
  readyAt: number;
  results?: Array<{ sku: string; ok: boolean; itemId?: string; error?: string }>;
}

export interface FakeVendoraOptions {
  apiKey?: string;
  sellerId?: string;
  /** Sustained requests per second and burst (Vendora Market documents 10/s, burst 20). */
  perSecond?: number;
  burst?: number;
  /** The clock (epoch ms): the test host's, so rate windows and feeds run on virtual time. */
  now?: () => number;
  /** How long a feed takes to process (marketplace ms). */
  feedProcessingMs?: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly errors: Array<{ field?: string; message: string }>,
    readonly headers: Record<string, string> = {},
  ) {
    super(errors.map((e) => e.message).join('; '));
  }
}

/** Vendora Market's category tree (the part the tests use). */
export const VENDORA_CATEGORIES = ['VENDORA-100', 'VENDORA-200'];
const MAX_TITLE = 120;
const MAX_IMAGES = 6;

function validGtin(code: string): boolean {
  if (!/^(\d{8}|\d{12,14})$/.test(code)) return false;
  const digits = [...code].map(Number);
  const check = digits.pop()!;
  const sum = digits.reverse().reduce((acc, d, i) => acc + d * (i % 2 === 0 ? 3 : 1), 0);
  return (10 - (sum % 10)) % 10 === check;
}

/** The problems of an item body (all of them at once, as Vendora Market answers); `partial` for updates. */
export function itemProblems(body: Record<string, unknown>, partial: boolean, categories: readonly string[] = VENDORA_CATEGORIES): Array<{ field: string; message: string }> {
  const problems: Array<{ field: string; message: string }> = [];
  const has = (k: string) => body[k] !== undefined;
  const need = (k: string) => !partial || has(k);
  if (!partial && (typeof body.sku !== 'string' || !body.sku)) problems.push({ field: 'sku', message: 'sku is required' });
  if (need('title') && (typeof body.title !== 'string' || !body.title.trim() || body.title.length > MAX_TITLE)) problems.push({ field: 'title', message: `title must have 1 to ${MAX_TITLE} characters` });
  if (need('brand') && (typeof body.brand !== 'string' || !body.brand.trim())) problems.push({ field: 'brand', message: 'brand is required' });
  if (need('category') && (typeof body.category !== 'string' || !categories.includes(body.category))) problems.push({ field: 'category', message: `category "${String(body.category)}" does not exist` });
  if (has('gtin') && (typeof body.gtin !== 'string' || !validGtin(body.gtin))) problems.push({ field: 'gtin', message: `gtin "${String(body.gtin)}" has a wrong check digit` });
  if (need('price')) {
    const price = body.price as { amount?: unknown; currency?: unknown } | undefined;
    if (!price || typeof price.amount !== 'number' || !(price.amount > 0)) problems.push({ field: 'price.amount', message: 'price.amount must be a positive number' });
    if (!price || price.currency !== 'BRL') problems.push({ field: 'price.currency', message: 'price.currency must be BRL' });
  }
  if (need('stock') && !(Number.isInteger(body.stock) && (body.stock as number) >= 0)) problems.push({ field: 'stock', message: 'stock must be a whole number ≥ 0' });
  if (need('images')) {
    const images = body.images;
    if (!Array.isArray(images) || images.length < 1 || images.length > MAX_IMAGES || images.some((u) => typeof u !== 'string' || !/^https?:\/\//.test(u))) {
      problems.push({ field: 'images', message: `images must be 1 to ${MAX_IMAGES} image URLs` });
    }
  }
  if (has('status') && body.status !== 'active' && body.status !== 'inactive') problems.push({ field: 'status', message: 'status must be active or inactive' });
  return problems;
}

export class FakeVendora {
  readonly apiKey: string;
  readonly sellerId: string;
  /** What the marketplace holds, by Vendora id. */
  readonly items = new Map<string, FakeVendoraItem>();
  readonly feeds = new Map<string, FakeVendoraFeed>();
  readonly counters = { requests: 0, creates: 0, updates: 0, deactivations: 0, rejected: 0, rateLimited: 0, unauthorized: 0, feeds: 0 };
  /** Every request as received: method, path and body. */
  readonly requests: Array<{ method: string; path: string; body: unknown }> = [];
  private readonly forced: Array<{ status: number; retryAfter?: number }> = [];
  private readonly now: () => number;
  private readonly perSecond: number;
  private readonly burst: number;
  private readonly feedProcessingMs: number;
  private tokens: number;
  private last: number;
  private seq = 0;
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  url = '';

  private constructor(options: FakeVendoraOptions) {
    this.apiKey = options.apiKey ?? 'vendora-test-key';
    this.sellerId = options.sellerId ?? 'seller-1';
    this.now = options.now ?? Date.now;
    this.perSecond = options.perSecond ?? 10;
    this.burst = options.burst ?? 20;
    this.feedProcessingMs = options.feedProcessingMs ?? 30_000;
    this.tokens = this.burst;
    this.last = this.now();
  }

  static async start(options: FakeVendoraOptions = {}): Promise<FakeVendora> {
    const fake = new FakeVendora(options);
    const server = createServer((req, res) => void fake.handle(req, res));
    server.on('connection', (socket) => {
      fake.sockets.add(socket);
      socket.once('close', () => fake.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.server = server;
    fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return fake;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }

  /** The next `n` requests answer `status` (default 503), before authentication. */
  failNext(n: number, status = 503): void {
    for (let i = 0; i < n; i++) this.forced.push({ status });
  }

  /** The next `n` requests answer 429 with Retry-After: `retryAfterSeconds`. */
  rateLimitNext(n: number, retryAfterSeconds = 1): void {
    for (let i = 0; i < n; i++) this.forced.push({ status: 429, retryAfter: retryAfterSeconds });
  }

  itemBySku(sku: string): FakeVendoraItem | undefined {
    return [...this.items.values()].find((i) => i.sku === sku);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    let body: unknown;
    try {
      body = await readJson(req);
      this.counters.requests++;
      this.requests.push({ method: req.method ?? '', path: url.pathname + url.search, body });
      const forced = this.forced.shift();
      if (forced?.status === 429) {
        this.counters.rateLimited++;
        throw new HttpError(429, [{ message: 'too many requests' }], { 'retry-after': String(forced.retryAfter ?? 1) });
      }
      if (forced) throw new HttpError(forced.status, [{ message: `Vendora Market is unavailable (${forced.status})` }]);
      if (req.headers.authorization !== `Bearer ${this.apiKey}` || req.headers['x-seller-id'] !== this.sellerId) {
        this.counters.unauthorized++;
        throw new HttpError(401, [{ message: 'invalid API key or seller id' }]);
      }
      this.rateLimit();
      const answer = this.route(req.method ?? 'GET', url, body);
      send(res, answer.status, answer.body);
    } catch (error) {
      if (error instanceof HttpError) {
        if (error.status === 422 || error.status === 409 || error.status === 404) this.counters.rejected++;
        return send(res, error.status, { errors: error.errors }, error.headers);
      }
      send(res, 500, { errors: [{ message: `fake bug: ${(error as Error).message}` }] });
    }
  }

  /** Token bucket on the fake's clock: `perSecond` sustained, `burst` at once. */
  private rateLimit() {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / 1000);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return;
    }
    this.counters.rateLimited++;
    const waitSeconds = Math.max(1, Math.ceil((1 - this.tokens) / this.perSecond));
    throw new HttpError(429, [{ message: 'too many requests' }], { 'retry-after': String(waitSeconds) });
  }

  private route(method: string, url: URL, body: unknown): { status: number; body: unknown } {
    const path = url.pathname;
    const itemId = /^\/v1\/items\/([^/]+)$/.exec(path)?.[1];
    const feedId = /^\/v1\/feeds\/([^/]+)$/.exec(path)?.[1];
    if (method === 'POST' && path === '/v1/items') return { status: 201, body: this.create(asObject(body)) };
    if (method === 'PATCH' && itemId) return { status: 200, body: this.update(decodeURIComponent(itemId), asObject(body)) };
    if (method === 'GET' && itemId) return { status: 200, body: this.get(decodeURIComponent(itemId)) };
    if (method === 'GET' && path === '/v1/items') {
      const ids = url.searchParams.get('ids')?.split(',').filter(Boolean) ?? [];
      const skus = url.searchParams.get('skus')?.split(',').filter(Boolean) ?? [];
      return { status: 200, body: { items: [...this.items.values()].filter((i) => ids.includes(i.id) || skus.includes(i.sku)) } };
    }
    if (method === 'POST' && path === '/v1/feeds') return { status: 202, body: this.submitFeed(asObject(body)) };
    if (method === 'GET' && feedId) return { status: 200, body: this.feed(decodeURIComponent(feedId)) };
    throw new HttpError(404, [{ message: `no route ${method} ${path}` }]);
  }

  private create(body: Record<string, unknown>): FakeVendoraItem {
    const problems = itemProblems(body, false);
    if (problems.length) throw new HttpError(422, problems);
    const existing = this.itemBySku(body.sku as string);
    if (existing) throw new HttpError(409, [{ field: 'sku', message: `sku ${String(body.sku)} already exists as ${existing.id}` }]);
    const item: FakeVendoraItem = { ...(structuredClone(body) as unknown as FakeVendoraItem), id: `VND${String(++this.seq).padStart(6, '0')}`, status: 'active' };
    this.items.set(item.id, item);
    this.counters.creates++;
    return item;
  }

  private update(id: string, body: Record<string, unknown>): FakeVendoraItem {
    const item = this.get(id);
    const problems = itemProblems(body, true);
    if ('sku' in body && body.sku !== item.sku) problems.push({ field: 'sku', message: 'sku cannot change' });
    if (problems.length) throw new HttpError(422, problems);
    Object.assign(item, structuredClone(body));
    if (body.status === 'inactive') this.counters.deactivations++;
    else this.counters.updates++;
    return item;
  }

  private get(id: string): FakeVendoraItem {
    const item = this.items.get(id);
    if (!item) throw new HttpError(404, [{ message: `item ${id} does not exist` }]);
    return item;
  }

  private submitFeed(body: Record<string, unknown>): { id: string; status: string } {
    const entries = body.entries;
    if (!Array.isArray(entries) || !entries.length || entries.length > 100) throw new HttpError(422, [{ field: 'entries', message: 'a feed has 1 to 100 entries' }]);
    const feed: FakeVendoraFeed = { id: `FEED${String(++this.seq).padStart(6, '0')}`, status: 'queued', entries: structuredClone(entries), readyAt: this.now() + this.feedProcessingMs };
    this.feeds.set(feed.id, feed);
    this.counters.feeds++;
    return { id: feed.id, status: feed.status };
  }

  /** A feed is processed when first asked about after its processing time: each entry upserts (or deactivates) an item. */
  private feed(id: string): Omit<FakeVendoraFeed, 'entries' | 'readyAt'> {
    const feed = this.feeds.get(id);
    if (!feed) throw new HttpError(404, [{ message: `feed ${id} does not exist` }]);
    if (feed.status === 'queued' && this.now() >= feed.readyAt) {
      feed.results = feed.entries.map((entry) => {
        const sku = String(entry.sku ?? '');
        try {
          const existing = this.itemBySku(sku);
          const item = existing ? this.update(existing.id, { ...entry, sku }) : this.create(entry);
          return { sku, ok: true, itemId: item.id };
        } catch (error) {
          if (!(error instanceof HttpError)) throw error;
          return { sku, ok: false, error: error.message };
        }
      });
      feed.status = 'done';
    }
    return { id: feed.id, status: feed.status, ...(feed.results ? { results: feed.results } : {}) };
  }
}

function asObject(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, [{ message: 'the body must be a JSON object' }]);
  return body as Record<string, unknown>;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, [{ message: 'malformed JSON' }]);
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
