// FakeMagalu: a real HTTP server with Magalu's ID (OAuth2 refresh grant issuing JWT-shaped Bearer tokens with scopes,
// single-use rotating refresh tokens) and the seller portfolio API (SKUs, prices, stocks) in Magalu's error dialect,
// with a token-bucket rate limit and injectable faults. One server stands in for both id.magalu.com (`/oauth/token`)
// and api.magalu.com (`/seller/v1/…`). See README.md for which behaviours are documented and which inferred.
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  FakeServerBase,
  findRoute,
  HttpError,
  isObject,
  itemCounters,
  type ItemCounters,
  readJsonObject,
  readOAuthParams,
  retryAfterSeconds,
  sendJson,
  TokenBucket,
} from '../http.js';
import {
  applySkuPatch,
  type MagaluDetail,
  type MagaluPrice,
  type MagaluSku,
  type MagaluStock,
  newSku,
  skuJson,
  validateNewSku,
  validatePrice,
  validateSkuPatch,
  validateStock,
} from './portfolio.js';

export type { MagaluCondition, MagaluDetail, MagaluIdentifier, MagaluPrice, MagaluSku, MagaluSkuStatus, MagaluStock } from './portfolio.js';
export { SKU_LIMITS as MAGALU_SKU_LIMITS } from './portfolio.js';

/** Scopes of the portfolio routes. The SKU ones and `open:portfolio-stocks-seller:read` are documented; the price and
 * stock-write names follow the same pattern (inferred). */
export const MAGALU_SCOPES = {
  skusRead: 'open:portfolio-skus-seller:read',
  skusWrite: 'open:portfolio-skus-seller:write',
  pricesRead: 'open:portfolio-prices-seller:read',
  pricesWrite: 'open:portfolio-prices-seller:write',
  stocksRead: 'open:portfolio-stocks-seller:read',
  stocksWrite: 'open:portfolio-stocks-seller:write',
} as const;
const ALL_SCOPES = Object.values(MAGALU_SCOPES);

export interface FakeMagaluOptions {
  port?: number;
  host?: string;
  /** Monotonic milliseconds for the rate limit and the observed rates (default `performance.now`); lets a test move
   * time on without sleeping. */
  clock?: () => number;
  clientId?: string;
  clientSecret?: string;
  initialRefreshToken?: string;
  /** Lifetime of access tokens; default 7200 s (what public clients observe). */
  accessTokenTtlSeconds?: number;
  /** Scopes put in tokens issued by the fake; default every portfolio scope. */
  scopes?: readonly string[];
  /** Sales channels (UUIDs) enabled for the seller; the first one is GET /portfolios/me's channel. */
  channels?: readonly string[];
  /** Token bucket over every authenticated request; default 10/s (Magalu publishes no number: inferred). `false`
   * disables it. Retry-After defaults to the time until the next token (at least 1 s). */
  rateLimit?: { perSecond: number; burst?: number; retryAfterSeconds?: number } | false;
}

export interface MagaluCounters extends ItemCounters {
  /** Successful PATCHes of a SKU (deactivations included). */
  updates: number;
  /** PATCHes that turned an active SKU inactive. */
  deactivations: number;
  /** 400/404/409/422 answers of the portfolio API. */
  rejected: number;
  /** 403: a valid token without the route's scope. */
  forbidden: number;
  tokenRefreshes: number;
  /** Most authenticated requests let through within any 1-second / 60-second span. */
  maxObservedPerSecond: number;
}

interface MagaluRoute {
  method: string;
  path: RegExp;
  /** Required scope; undefined → no Bearer token needed (the token endpoint). */
  scope: string | undefined;
  handle: (req: IncomingMessage, res: ServerResponse, params: string[], url: URL) => Promise<void> | void;
}

interface AccessToken {
  expiresAt: number;
  scopes: readonly string[];
}

const SLUGS: Record<number, [string, string]> = {
  400: ['BAD_REQUEST', 'Bad Request'],
  401: ['UNAUTHORIZED', 'Unauthorized'],
  403: ['FORBIDDEN', 'Forbidden'],
  404: ['NOT_FOUND', 'Not found'],
  409: ['CONFLICT', 'Conflict'],
  413: ['PAYLOAD_TOO_LARGE', 'Payload too large'],
  422: ['UNPROCESSABLE_ENTITY', 'Unprocessable entity'],
  429: ['TOO_MANY_REQUESTS', 'You have sent too many requests in a given amount of time'],
  500: ['SERVER_ERROR', 'Internal server error'],
  502: ['BAD_GATEWAY', 'Bad gateway'],
  503: ['SERVICE_UNAVAILABLE', 'Service unavailable'],
  504: ['GATEWAY_TIMEOUT', 'Gateway timeout'],
};

/** Magalu's documented error body: `{slug, message}` plus `details` when there are field problems. */
function magaluError(status: number, details?: MagaluDetail[], message?: string): HttpError {
  const [slug, text] = SLUGS[status] ?? ['ERROR', 'Error'];
  return new HttpError(status, message ?? text, {}, { slug, message: message ?? text, ...(details && { details }) });
}

/** OAuth errors use RFC 6749's `{error, error_description}` (what public Magalu clients read). */
function oauthError(status: number, error: string, description: string): HttpError {
  return new HttpError(status, description, {}, { error, error_description: description });
}

const DEFAULT_CHANNEL = 'f47ac10b-58cc-4372-a567-0e02b2c3d479'; // the channel id of Magalu's documentation examples
const MAX_PAGE = 100; // `meta.page.max_limit` of the documented list answers
const DEFAULT_PAGE = 50;
const OAUTH_PARAMS = ['client_id', 'client_secret', 'refresh_token'];

/** `url` stands in for both `https://api.magalu.com` and `https://id.magalu.com` (token endpoint: `${url}/oauth/token`). */
export class FakeMagalu extends FakeServerBase<MagaluCounters> {
  readonly clientId: string;
  readonly clientSecret: string;
  /** The seller's tenant (the `sub` of its tokens) and channels. */
  readonly tenantId: string = randomUUID();
  readonly channels: readonly string[];
  /** SKUs by seller SKU code. */
  readonly skus = new Map<string, MagaluSku>();
  /** Prices by SKU code, then channel id. */
  readonly prices = new Map<string, Map<string, MagaluPrice>>();
  /** Stocks by SKU code, then channel id ('' when the stock was sent without a channel). */
  readonly stocks = new Map<string, Map<string, MagaluStock>>();
  readonly counters: MagaluCounters = itemCounters({ forbidden: 0, tokenRefreshes: 0 });
  readonly #accessTokens = new Map<string, AccessToken>();
  readonly #ttlSeconds: number;
  readonly #scopes: readonly string[];
  readonly #bucket: TokenBucket | undefined;
  readonly #fixedRetryAfter: number | undefined;
  readonly #now: () => number;
  #refreshToken: string;

  private constructor(opts: FakeMagaluOptions) {
    super(503);
    this.#now = opts.clock ?? (() => performance.now());
    this.clientId = opts.clientId ?? randomBytes(32).toString('base64url');
    this.clientSecret = opts.clientSecret ?? randomBytes(32).toString('base64url');
    this.channels = opts.channels?.length ? [...opts.channels] : [DEFAULT_CHANNEL];
    this.#ttlSeconds = opts.accessTokenTtlSeconds ?? 7200;
    this.#scopes = opts.scopes ?? ALL_SCOPES;
    const rate = opts.rateLimit === undefined ? { perSecond: 10 } : opts.rateLimit;
    this.#bucket = rate ? new TokenBucket(rate.perSecond, rate.burst, this.#now()) : undefined;
    this.#fixedRetryAfter = rate ? rate.retryAfterSeconds : undefined;
    this.#refreshToken = opts.initialRefreshToken ?? this.#jwt('refresh', 30 * 86_400, this.#scopes);
  }

  static async start(opts: FakeMagaluOptions = {}): Promise<FakeMagalu> {
    const fake = new FakeMagalu(opts);
    await fake.serve((req, res, url) => fake.#handle(req, res, url), {
      port: opts.port,
      host: opts.host,
      errorBody: (status, message) => magaluError(status, undefined, message).body,
    });
    return fake;
  }

  /** The one refresh token that works now; each successful refresh replaces it. */
  get refreshToken(): string {
    return this.#refreshToken;
  }

  /** A fresh valid access token (JWT-shaped), as if the seller had just consented. */
  issueAccessToken(scopes: readonly string[] = this.#scopes): string {
    const token = this.#jwt('access', this.#ttlSeconds, scopes);
    this.#accessTokens.set(token, { expiresAt: Date.now() + this.#ttlSeconds * 1000, scopes });
    return token;
  }

  /** Every access token issued so far is now rejected with 401 (the refresh token stays valid). */
  expireAccessTokens(): void {
    this.#accessTokens.clear();
  }

  /** The stored SKU with this seller SKU code. */
  getSku(sku: string): MagaluSku | undefined {
    return this.skus.get(sku);
  }

  /** The price of `sku` on `channel` (default: the seller's first channel). */
  getPrice(sku: string, channel = this.channels[0]!): MagaluPrice | undefined {
    return this.prices.get(sku)?.get(channel);
  }

  /** The stock of `sku` on `channel` (default: the seller's first channel, else the channel-less stock). */
  getStock(sku: string, channel = this.channels[0]!): MagaluStock | undefined {
    const byChannel = this.stocks.get(sku);
    return byChannel?.get(channel) ?? byChannel?.get('');
  }

  // ---- HTTP ----

  readonly #routes: readonly MagaluRoute[] = [
    { method: 'POST', path: /^\/oauth\/token\/?$/, scope: undefined, handle: (req, res, _p, url) => this.#token(req, res, url) },
    { method: 'GET', path: /^\/seller\/v1\/portfolios\/me\/?$/, scope: MAGALU_SCOPES.skusRead, handle: (_q, res) => this.#me(res) },
    { method: 'POST', path: /^\/seller\/v1\/portfolios\/skus\/?$/, scope: MAGALU_SCOPES.skusWrite, handle: (req, res) => this.#createSku(req, res) },
    { method: 'GET', path: /^\/seller\/v1\/portfolios\/skus\/?$/, scope: MAGALU_SCOPES.skusRead, handle: (_q, res, _p, url) => this.#listSkus(res, url) },
    { method: 'GET', path: /^\/seller\/v1\/portfolios\/skus\/([^/]+)\/?$/, scope: MAGALU_SCOPES.skusRead, handle: (_q, res, [sku]) => this.#getSku(res, sku!) },
    {
      method: 'PATCH',
      path: /^\/seller\/v1\/portfolios\/skus\/([^/]+)\/?$/,
      scope: MAGALU_SCOPES.skusWrite,
      handle: (req, res, [sku]) => this.#patchSku(req, res, sku!),
    },
    ...(['PUT', 'POST', 'PATCH'] as const).flatMap((method): MagaluRoute[] => [
      {
        method,
        path: /^\/seller\/v1\/portfolios\/prices\/([^/]+)\/?$/,
        scope: MAGALU_SCOPES.pricesWrite,
        handle: (req, res, [sku]) => this.#writePrice(req, res, sku!, method),
      },
      {
        method,
        path: /^\/seller\/v1\/portfolios\/stocks\/([^/]+)\/?$/,
        scope: MAGALU_SCOPES.stocksWrite,
        handle: (req, res, [sku]) => this.#writeStock(req, res, sku!, method),
      },
    ]),
    {
      method: 'GET',
      path: /^\/seller\/v1\/portfolios\/prices\/([^/]+)\/?$/,
      scope: MAGALU_SCOPES.pricesRead,
      handle: (_q, res, [sku]) => this.#getPrices(res, sku!),
    },
    {
      method: 'GET',
      path: /^\/seller\/v1\/portfolios\/stocks\/([^/]+)\/?$/,
      scope: MAGALU_SCOPES.stocksRead,
      handle: (_q, res, [sku]) => this.#getStocks(res, sku!),
    },
  ];

  async #handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    this.counters.requests++;
    const answered = await this.playFaults({
      fail: (status) => magaluError(status),
      rateLimit: (seconds) => this.#tooManyRequests(seconds),
    });
    if (!answered) return; // a scripted timeout: never answered, close() drops the socket

    const found = findRoute(this.#routes, req.method, url.pathname);
    if (!found) throw magaluError(404);
    const { scope } = found.route;
    if (scope !== undefined) {
      const token = this.#accessToken(req);
      if (!token) {
        this.counters.unauthorized++;
        throw magaluError(401);
      }
      if (!token.scopes.includes(scope)) {
        this.counters.forbidden++;
        throw magaluError(403, [{ field: 'scope', location: 'path', slug: 'MISSING_SCOPE', message: `The token lacks the scope ${scope}` }]);
      }
      const waitMs = this.#bucket?.take(this.#now()) ?? 0;
      if (waitMs > 0) return this.#tooManyRequests(this.#fixedRetryAfter ?? retryAfterSeconds(waitMs));
      this.observeRate(this.#now());
    }
    const handle = () => found.route.handle(req, res, found.params, url);
    await (scope === undefined ? handle() : this.countingRejections([400, 404, 409, 422], handle));
  }

  #accessToken(req: IncomingMessage): AccessToken | undefined {
    const token = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const found = token === undefined ? undefined : this.#accessTokens.get(token);
    return found && found.expiresAt > Date.now() ? found : undefined;
  }

  #tooManyRequests(seconds: number): never {
    this.counters.rateLimited++;
    const error = magaluError(429);
    throw new HttpError(429, error.message, { 'retry-after': String(seconds) }, error.body);
  }

  /** A JWT-shaped token (header.payload.signature, base64url). The fake recognises tokens by lookup, not signature. */
  #jwt(kind: 'access' | 'refresh', ttlSeconds: number, scopes: readonly string[]): string {
    const iat = Math.floor(Date.now() / 1000);
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const payload = {
      iss: 'https://id.magalu.com',
      sub: this.tenantId,
      client_id: this.clientId,
      typ: kind,
      scope: scopes.join(' '),
      iat,
      exp: iat + ttlSeconds,
      jti: randomUUID(),
    };
    return `${part({ alg: 'RS256', typ: 'JWT', kid: 'fake-magalu' })}.${part(payload)}.${randomBytes(32).toString('base64url')}`;
  }

  /** POST /oauth/token, refresh_token grant; parameters as a form or JSON (public clients use both). */
  async #token(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const params = await readOAuthParams(req, url, () => oauthError(400, 'invalid_request', 'Malformed JSON body'));

    if (params.grant_type !== 'refresh_token') {
      throw oauthError(400, 'unsupported_grant_type', `grant_type must be refresh_token (got ${String(params.grant_type ?? 'nothing')})`);
    }
    const missing = OAUTH_PARAMS.filter((p) => typeof params[p] !== 'string' || params[p] === '');
    if (missing.length > 0) throw oauthError(400, 'invalid_request', `Missing parameters: ${missing.join(', ')}`);
    if (params.client_id !== this.clientId || params.client_secret !== this.clientSecret) {
      throw oauthError(401, 'invalid_client', 'Client authentication failed');
    }
    if (params.refresh_token !== this.#refreshToken) {
      throw oauthError(400, 'invalid_grant', 'The refresh token is invalid, expired, revoked or was already used');
    }
    this.#refreshToken = this.#jwt('refresh', 30 * 86_400, this.#scopes); // single use: the presented one is now dead
    this.counters.tokenRefreshes++;
    sendJson(res, 200, {
      access_token: this.issueAccessToken(),
      token_type: 'Bearer',
      expires_in: this.#ttlSeconds,
      refresh_token: this.#refreshToken,
      scope: this.#scopes.join(' '),
      created_at: Math.floor(Date.now() / 1000),
    });
  }

  #me(res: ServerResponse): void {
    this.counters.gets++;
    sendJson(res, 200, {
      tenant: { id: this.tenantId },
      channel: { id: this.channels[0], name: 'Magalu' },
      seller: { id: this.tenantId, name: 'Fake Seller' },
    });
  }

  #skuOr404(code: string): MagaluSku {
    const sku = this.skus.get(code);
    if (!sku) throw magaluError(404, undefined, `SKU ${code} not found`);
    return sku;
  }

  async #createSku(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readMagaluJson(req);
    const details = validateNewSku(body, this.channels);
    if (details.length > 0) throw magaluError(422, details);
    const code = body.sku as string;
    if (this.skus.has(code)) {
      throw magaluError(409, [{ field: 'sku', location: 'body', slug: 'ENTITY_WITH_SAME_KEY_ALREADY_EXISTS', message: `There is already a SKU ${code}` }]);
    }
    this.skus.set(code, newSku(body, new Date().toISOString()));
    this.counters.creates++;
    sendJson(res, 202, { trace_id: randomUUID() }); // asynchronous on Magalu's side: 202 + trace_id (public clients)
  }

  async #patchSku(req: IncomingMessage, res: ServerResponse, code: string): Promise<void> {
    const sku = this.#skuOr404(code);
    const body = await readMagaluJson(req);
    const details = validateSkuPatch(body, this.channels);
    if (details.length > 0) throw magaluError(422, details);
    const wasActive = sku.active;
    applySkuPatch(sku, body, new Date().toISOString());
    this.counters.updates++;
    if (wasActive && !sku.active) this.counters.deactivations++;
    sendJson(res, 202, { trace_id: randomUUID() });
  }

  #getSku(res: ServerResponse, code: string): void {
    const sku = this.#skuOr404(code);
    this.counters.gets++;
    sendJson(res, 200, skuJson(sku));
  }

  #listSkus(res: ServerResponse, url: URL): void {
    const { limit, offset } = paging(url);
    const all = [...this.skus.values()].sort((a, b) => a.created_at.localeCompare(b.created_at) || a.sku.localeCompare(b.sku));
    this.counters.gets++;
    sendJson(res, 200, page('/seller/v1/portfolios/skus', all.slice(offset, offset + limit).map(skuJson), all.length, limit, offset));
  }

  async #writePrice(req: IncomingMessage, res: ServerResponse, code: string, method: 'PUT' | 'POST' | 'PATCH'): Promise<void> {
    this.#skuOr404(code);
    const body = await readMagaluJson(req);
    const details = validatePrice(body, this.channels);
    if (details.length > 0) throw magaluError(422, details);
    const channel = (body.channel as { id: string }).id;
    const byChannel = this.prices.get(code) ?? new Map<string, MagaluPrice>();
    // POST creates, PATCH updates (public clients: 409 PRICE_ALREADY_EXISTS / 404 then the other verb); PUT is either.
    if (method === 'POST' && byChannel.has(channel)) {
      throw magaluError(409, [
        { field: 'sku', location: 'path', slug: 'PRICE_ALREADY_EXISTS', message: `SKU ${code} already has a price on channel ${channel}: use PATCH` },
      ]);
    }
    if (method === 'PATCH' && !byChannel.has(channel)) throw magaluError(404, undefined, `SKU ${code} has no price on channel ${channel}: use POST`);
    byChannel.set(channel, {
      sku: code,
      channel: { id: channel },
      price: body.price as number,
      list_price: body.list_price as number,
      currency: 'BRL',
      normalizer: 100,
      updated_at: new Date().toISOString(),
    });
    this.prices.set(code, byChannel);
    this.counters.priceUpdates++;
    sendJson(res, 202, { trace_id: randomUUID() });
  }

  async #writeStock(req: IncomingMessage, res: ServerResponse, code: string, method: 'PUT' | 'POST' | 'PATCH'): Promise<void> {
    this.#skuOr404(code);
    const body = await readMagaluJson(req);
    const details = validateStock(body, this.channels);
    if (details.length > 0) throw magaluError(422, details);
    const channel = isObject(body.channel) ? (body.channel.id as string) : '';
    const byChannel = this.stocks.get(code) ?? new Map<string, MagaluStock>();
    if (method === 'POST' && byChannel.has(channel)) {
      throw magaluError(409, [{ field: 'sku', location: 'path', slug: 'STOCK_ALREADY_EXISTS', message: `SKU ${code} already has a stock: use PATCH` }]);
    }
    if (method === 'PATCH' && !byChannel.has(channel)) throw magaluError(404, undefined, `SKU ${code} has no stock yet: use POST`);
    byChannel.set(channel, {
      sku: code,
      channel: channel ? { id: channel } : null,
      branch: isObject(body.branch) ? { id: body.branch.id as string } : null,
      quantity: body.quantity as number,
      type: 'AVAILABLE',
      updated_at: new Date().toISOString(),
    });
    this.stocks.set(code, byChannel);
    this.counters.stockUpdates++;
    sendJson(res, 202, { trace_id: randomUUID() });
  }

  #getPrices(res: ServerResponse, code: string): void {
    this.#skuOr404(code);
    const results = [...(this.prices.get(code)?.values() ?? [])].map((p) => structuredClone(p));
    this.counters.gets++;
    sendJson(res, 200, page(`/seller/v1/portfolios/prices/${encodeURIComponent(code)}`, results, results.length, MAX_PAGE, 0));
  }

  #getStocks(res: ServerResponse, code: string): void {
    this.#skuOr404(code);
    const results = [...(this.stocks.get(code)?.values() ?? [])].map((s) => structuredClone(s));
    this.counters.gets++;
    sendJson(res, 200, page(`/seller/v1/portfolios/stocks/${encodeURIComponent(code)}`, results, results.length, MAX_PAGE, 0));
  }
}

/** A JSON object body; a malformed one is Magalu's 400. */
async function readMagaluJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  try {
    return await readJsonObject(req);
  } catch (err) {
    if (err instanceof HttpError && err.status === 400) {
      throw magaluError(400, [{ field: 'body', location: 'body', slug: 'INVALID_JSON', message: err.message }]);
    }
    throw err;
  }
}

/** `_limit` (1..100, default 50) and `_offset` (>= 0), Magalu's documented paging parameters. */
function paging(url: URL): { limit: number; offset: number } {
  const problems: MagaluDetail[] = [];
  const limit = url.searchParams.get('_limit') ?? String(DEFAULT_PAGE);
  const offset = url.searchParams.get('_offset') ?? '0';
  if (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_PAGE) {
    problems.push({ field: '_limit', location: 'query', slug: 'INVALID_PARAMETER', message: `_limit must be an integer from 1 to ${MAX_PAGE}` });
  }
  if (!/^\d+$/.test(offset)) problems.push({ field: '_offset', location: 'query', slug: 'INVALID_PARAMETER', message: '_offset must be an integer >= 0' });
  if (problems.length > 0) throw magaluError(400, problems);
  return { limit: Number(limit), offset: Number(offset) };
}

/** The documented list envelope. `count` is the total number of records (inferred: the docs show it equal to the
 * page size); `next` is left out on the last page. */
function page(path: string, results: unknown[], total: number, limit: number, offset: number): Record<string, unknown> {
  const link = (o: number) => `${path}?_limit=${limit}&_offset=${o}`;
  return {
    meta: {
      page: { limit, offset, count: total, max_limit: MAX_PAGE },
      links: {
        previous: link(Math.max(0, offset - limit)),
        self: link(offset),
        ...(offset + limit < total && { next: link(offset + limit) }),
      },
    },
    results,
  };
}
