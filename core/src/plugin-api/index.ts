/**
 * The plugin API: the one entry point a marketplace plugin imports (`@connector/core/plugin`).
 * Keep it small and stable — everything here is a promise to third-party authors. A plugin's code
 * runs in its own extension host (a worker thread or a child process); every handler call and every
 * `context` call crosses that boundary as structured-clone-able plain data, so handlers take and
 * return plain objects (no class instances, functions or symbols) and are always async for the core.
 */
import { ConnectorError, Errors } from '../errors/errors.js';

export type { SkuSnapshot, VtexOffer, VtexProduct, VtexSkuAndContext } from '../vtex/types.js';
export { ConnectorError };

/**
 * The plugin API version this core implements; plugins declare a range pinned to one major in
 * `engines.connector` (`^1.0.0`). A minor adds optional things; a major may remove or change them.
 */
export const PLUGIN_API_VERSION = '1.1.0';

export interface Disposable {
  dispose(): void | Promise<void>;
}

/** What the seller has to fix, one entry per problem (all of them at once, never only the first). */
export interface Fix {
  /** The field concerned, e.g. `title` or `ProductCategoryIds`. */
  field: string;
  /** The rule broken, e.g. `maxLength`. */
  rule: string;
  /** What the seller should do, in plain words. */
  message: string;
  /** Where the seller fixes it in VTEX, e.g. `Catalog > SKU > Images` (the mapping row's "How to fill it"). */
  where?: string;
}

// ---------------------------------------------------------------------------------------------
// The per-integration context
// ---------------------------------------------------------------------------------------------

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Absolute, or relative to the integration's `apiBaseUrl` setting. Its host must be allowed. */
  url: string;
  headers?: Record<string, string>;
  /** Serialised as JSON unless a string (then sent as is). */
  body?: unknown;
  timeoutMs?: number;
}

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * The plugin's only way out to the network. The core sends the request: it refuses hosts the
 * manifest does not declare in `allowedHosts` (CONNECTOR_ERR_PLUGIN_HOST_NOT_ALLOWED), waits for the
 * integration's rate budget, and records each call for the operation log. Non-2xx answers throw
 * typed errors the core acts on: 429 → rate limited (waited out), 401/403 → auth, 5xx/timeouts →
 * unavailable (retried), other 4xx → rejected (the seller sees the marketplace's message).
 */
export interface PluginHttp {
  request<T = unknown>(request: HttpRequest): Promise<HttpResponse<T>>;
}

/** This integration's credentials (the settings its schema marks `"x-secret": true`) — and only them. */
export interface PluginSecrets {
  /** The secret's value, or undefined when the integration does not set it. */
  get(name: string): Promise<string | undefined>;
  /** Names of the secrets this integration has. */
  readonly names: readonly string[];
}

export interface PluginLog {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

/**
 * Key/value state kept in the connector's database for this plugin and this integration (store ×
 * marketplace): tokens, cursors, caches. Values are JSON (≤ 256 KiB each); keys ≤ 256 characters.
 */
export interface PluginState {
  get<T = unknown>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, options?: { ttlSeconds?: number }): Promise<void>;
  /** True when the key existed. */
  delete(key: string): Promise<boolean>;
  /** Keys in lexical order, optionally only those starting with `prefix`. */
  keys(prefix?: string): Promise<string[]>;
}

/** Given to `activate`, once per integration (store × marketplace). */
export interface PluginContext {
  readonly marketplace: string;
  readonly store: string;
  /** This integration's settings (validated by the manifest's settings schema), without its secrets. */
  readonly settings: Readonly<Record<string, unknown>>;
  readonly http: PluginHttp;
  readonly secrets: PluginSecrets;
  readonly log: PluginLog;
  readonly state: PluginState;
  /** Disposed on deactivation (shutdown or reload), in reverse order; errors are logged, not thrown. */
  readonly subscriptions: Disposable[];
}

export interface PublishedItem {
  skuId: string;
  payload: Record<string, unknown>;
}

export interface ExistingItem extends PublishedItem {
  marketplaceId: string;
  /**
   * Top-level payload fields that differ from the payload last delivered (absent when the core does
   * not know it): send only these, plus whatever the marketplace needs on every update.
   */
  changed?: string[];
  /** True when the core had deactivated the item and now puts it back on sale. */
  reactivate?: boolean;
}

/** An item to take off sale (deactivate) or off the marketplace (delete). */
export interface ItemRef {
  skuId: string;
  marketplaceId: string;
}

/** One value for a plugin-provided transformation op (a `fieldMappings` step whose `op` the core does not provide). */
export interface TransformRequest {
  op: string;
  /** The step's other properties. */
  args: Record<string, unknown>;
  /** The pipeline's value so far. */
  value: unknown;
  skuId: string;
  /** The payload path the row fills. */
  target: string;
}

/** `{ value }`, or `{ error }` with what the seller should correct (listed with the other E1 fixes). */
export type TransformResponse = { value: unknown } | { error: string };

export interface PublishResult {
  /** The marketplace's id for the item (stored next to the VTEX SKU id). */
  marketplaceId: string;
  response?: unknown;
}

/** Which items to read back from the marketplace. Without `marketplaceId`, find it by the seller SKU. */
export interface RemoteStateQuery {
  skuId: string;
  marketplaceId?: string;
}

export interface RemoteState {
  skuId: string;
  /** false when the marketplace has no such item (deleted, or never created). */
  found: boolean;
  marketplaceId?: string;
  /**
   * What the marketplace holds now, in the payload's own shape (e.g. `{ price, available_quantity }`):
   * the core compares each key with the payload it last delivered to detect drift.
   */
  fields?: Record<string, unknown>;
}

/** One item of a lot, for feed marketplaces. */
export interface LotItem {
  skuId: string;
  /** What the marketplace should hold (`{}` for a withdrawal). */
  payload: Record<string, unknown>;
  /** Known once the marketplace has confirmed the product. */
  marketplaceId?: string;
  /**
   * Since 1.1: take this item off sale — a plugin whose manifest says `capabilities.canDeactivate` blocks it
   * (stock 0, inactive, offer withdrawn), any other removes it. `marketplaceId` is set and `payload` is empty.
   * It travels in an `offer` lot (`upsert` when the marketplace does not need the product first).
   */
  withdraw?: true;
}

/**
 * A group of items the core sends to a feed marketplace at once. `product` lots create or update
 * catalog entries; `offer` lots carry price and stock of products the marketplace has confirmed;
 * `upsert` lots carry both, for marketplaces that do not need the product first.
 */
export interface Lot {
  /** The core's lot id: the same on every retry of this submission. */
  id: string;
  operation: 'product' | 'offer' | 'upsert';
  items: LotItem[];
}

export interface FeedItemResult {
  skuId: string;
  ok: boolean;
  /** The marketplace's id for the item, when it has one. */
  marketplaceId?: string;
  /** Why the marketplace refused the item: shown to the seller. */
  message?: string;
}

/** Since 1.1: the lot a feed was submitted for, given to `checkFeed` to map the marketplace's results back to SKUs. */
export interface FeedLotRef {
  /** The core's lot id (`Lot.id`). */
  id: string;
  operation: Lot['operation'];
  /** The lot's SKUs, in the order `submitFeed` received them. */
  skuIds: string[];
}

export type FeedStatus = { done: false; status?: string } | { done: true; results: FeedItemResult[] };

/**
 * What a plugin's `activate` returns: the operations the core drives. Every handler is async and may
 * run behind an RPC boundary: arguments and results are plain, structured-cloneable data. The core
 * builds the payload itself from the manifest's `fieldMappings` (and checks `registrationRules`);
 * handlers only speak the marketplace's API.
 */
export interface MarketplaceHandlers {
  /** Creates the item on the marketplace (no id mapping yet). */
  publish(item: PublishedItem): Promise<PublishResult>;
  /** Updates an item the marketplace already has. */
  update(item: ExistingItem): Promise<{ response?: unknown }>;
  /** Zero stock and block the item (VTEX: IsActive=false, removed from the trade policy). Required when `capabilities.canDeactivate`. */
  deactivate?(item: ItemRef): Promise<{ response?: unknown }>;
  /** Removes the item; the core then drops the id mapping. Used when the marketplace cannot deactivate. */
  delete?(item: ItemRef): Promise<{ response?: unknown }>;
  /** Runs plugin-provided transformation ops, many at once (one call per mapping batch, never per field). */
  transform?(requests: TransformRequest[]): Promise<TransformResponse[]>;
  /**
   * Reads stock/price back from the marketplace, one answer per item asked (reconciliation), and
   * finds items by seller SKU when no id is known (so a create whose answer was lost is not repeated).
   */
  fetchRemoteState?(items: RemoteStateQuery[]): Promise<RemoteState[]>;
  /** Gets fresh credentials (OAuth refresh); the core calls it once when the marketplace refuses ours. */
  refreshAuth?(): Promise<void>;
  /** Feed marketplaces: submits a lot and returns the marketplace's reference for it. */
  submitFeed?(lot: Lot): Promise<{ feedRef: string }>;
  /**
   * Feed marketplaces: whether the lot is processed yet and, once it is, the outcome of each item. `lot` (since
   * 1.1) is the lot it was submitted for; it is absent when the core only probes whether the marketplace answers.
   * A lot the marketplace failed as a whole is `done` with every item `ok: false` and the marketplace's message.
   */
  checkFeed?(feedRef: string, lot?: FeedLotRef): Promise<FeedStatus>;
}

/**
 * Every handler the core may call across the isolation boundary. A method not in this list is never
 * forwarded (the boundary refuses it), so adding a handler to the API means adding it here.
 */
export const HANDLER_METHODS = [
  'transform',
  'publish',
  'update',
  'deactivate',
  'delete',
  'submitFeed',
  'checkFeed',
  'fetchRemoteState',
  'refreshAuth',
] as const satisfies ReadonlyArray<keyof MarketplaceHandlers>;

export type HandlerMethod = (typeof HANDLER_METHODS)[number];

// Compile-time guard: every handler of MarketplaceHandlers is listed above.
type MissingFromList = Exclude<keyof MarketplaceHandlers, HandlerMethod>;
const _everyHandlerListed: [MissingFromList] extends [never] ? true : MissingFromList = true;
void _everyHandlerListed;

/** The handlers as the core sees them: the same methods, each async (a call crosses the boundary). */
export type RemoteHandlers = {
  [K in keyof MarketplaceHandlers]: NonNullable<MarketplaceHandlers[K]> extends (...args: infer A) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never;
};

export interface PluginModule {
  /** Called once per integration (store × marketplace), the first time it has work. */
  activate(context: PluginContext): MarketplaceHandlers | Promise<MarketplaceHandlers>;
  /** Called once when the plugin's host shuts down or reloads, before the subscriptions are disposed. */
  deactivate?(): void | Promise<void>;
}

/** Declares a plugin; gives authors type checking on the handlers. */
export function definePlugin(plugin: PluginModule): PluginModule {
  return plugin;
}

/** Errors a plugin may throw on purpose; anything else counts as the marketplace being unavailable. */
export const MarketplaceErrors = {
  rejected: (marketplace: string, message: string, body?: unknown) => Errors.marketplaceRejected(marketplace, message, body),
  unavailable: (marketplace: string, reason: string) => Errors.marketplaceUnavailable(marketplace, reason),
  auth: (marketplace: string, reason: string) => Errors.marketplaceAuth(marketplace, reason),
  rateLimited: (marketplace: string, retryAfterMs: number) => Errors.marketplaceRateLimited(marketplace, retryAfterMs),
  /**
   * The marketplace is working on it (an asynchronous import still processing): the core puts the
   * item back in its queue, due in `retryAfterMs`, without spending a retry or counting a failure
   * towards the circuit breaker; the SKU stays `pending`.
   */
  notYet: (marketplace: string, reason: string, retryAfterMs: number) => Errors.deliveryDeferred(marketplace, reason, Date.now() + Math.max(0, retryAfterMs)),
};

export { OAUTH_STATE_KEY, REFRESH_MARGIN_MS, RotatingOAuthTokens, type OAuthOptions, type StoredTokens } from './oauth.js';

/** The HTTP status of a marketplace answer that `ctx.http` turned into an error (undefined for anything else). */
export function httpStatus(error: unknown): number | undefined {
  const details = error instanceof ConnectorError ? (error.details as { status?: unknown } | undefined) : undefined;
  return typeof details?.status === 'number' ? details.status : undefined;
}

/**
 * A marketplace's refusal (a 4xx `ctx.http` threw as rejected) reworded for the seller from the
 * marketplace's own error body — e.g. every field problem it lists, named; the status and body stay
 * in the details. Anything else is returned unchanged, for the core to retry, wait or pause on.
 */
export function rewordRejection<B = unknown>(error: unknown, marketplace: string, describe: (body: B) => string | undefined): unknown {
  if (!(error instanceof ConnectorError) || error.code !== Errors.marketplaceRejected.code) return error;
  const { body } = (error.details ?? {}) as { body?: B };
  const message = body === undefined ? undefined : describe(body);
  return message ? Errors.marketplaceRejected(marketplace, message, error.details) : error;
}

/** Cuts a string to `max` characters without breaking a surrogate pair, trimming trailing spaces. */
export function truncate(value: string, max: number): string {
  const chars = Array.from(value);
  return chars.length <= max ? value : chars.slice(0, max).join('').trimEnd();
}

/** VTEX prices are integer cents; most marketplaces want decimals. */
export function centsToDecimal(cents: number): number {
  return Math.round(cents) / 100;
}
