/**
 * The plugin API: the one entry point a marketplace plugin imports (`@connector/core/plugin`).
 * Keep it small and stable — everything here is a promise to third-party authors. A plugin's code
 * runs in its own extension host (a worker thread or a child process); every handler call and every
 * `context` call crosses that boundary as structured-clone-able plain data, so handlers take and
 * return plain objects (no class instances, functions or symbols) and are always async for the core.
 */
import type { SkuSnapshot } from '../vtex/types.js';
import { ConnectorError, Errors } from '../errors/errors.js';

export type { SkuSnapshot, VtexOffer, VtexProduct, VtexSkuAndContext } from '../vtex/types.js';
export { ConnectorError };

/**
 * The plugin API version this core implements; plugins declare a range pinned to one major in
 * `engines.connector` (`^1.0.0`). A minor adds optional things; a major may remove or change them.
 */
export const PLUGIN_API_VERSION = '1.0.0';

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

// ---------------------------------------------------------------------------------------------
// Handlers: the operations the core drives
// ---------------------------------------------------------------------------------------------

export interface MapInput {
  /** A snapshot that passed the core's checks: the SKU exists, is active and has an offer. */
  snapshot: SkuSnapshot & { sku: NonNullable<SkuSnapshot['sku']>; offer: NonNullable<SkuSnapshot['offer']> };
  /** The marketplace category the integration maps this SKU's VTEX category to. */
  marketplaceCategoryId: string;
}

export type MapResult = { ok: true; payload: Record<string, unknown> } | { ok: false; fixes: Fix[] };

export interface PublishedItem {
  skuId: string;
  payload: Record<string, unknown>;
}

export interface ExistingItem extends PublishedItem {
  marketplaceId: string;
}

/** An item the marketplace holds, by both ids. */
export interface ItemRef {
  skuId: string;
  marketplaceId: string;
}

export interface PublishResult {
  /** The marketplace's id for the item (stored next to the VTEX SKU id). */
  marketplaceId: string;
  response?: unknown;
}

export interface OperationResult {
  response?: unknown;
}

/** One value to run through a plugin-specific transformation (`{ "op": "plugin:<name>" }` rows). */
export interface TransformRequest {
  op: string;
  value: unknown;
  args?: Record<string, unknown>;
}

export interface FeedSubmission {
  /** What the feed does, e.g. `publish`, `stock`, `price`. */
  operation: string;
  items: Array<PublishedItem & { marketplaceId?: string }>;
}

export interface FeedStatus {
  done: boolean;
  /** Per-item outcome once done. */
  items?: Array<{ skuId: string; ok: boolean; marketplaceId?: string; message?: string }>;
  response?: unknown;
}

/** What the marketplace holds for an item, for reconciliation against VTEX. */
export interface RemoteItemState {
  skuId?: string;
  marketplaceId: string;
  stock?: number;
  /** Decimal price as the marketplace shows it. */
  price?: number;
  status?: string;
}

/** New credentials after a refresh; the core stores them for this integration only. */
export interface RefreshedAuth {
  secrets: Record<string, string>;
  expiresInSeconds?: number;
}

/**
 * What a plugin's `activate` returns. `publish` and `update` are required; the rest are optional and
 * the core only calls what the plugin provides (see `capabilities` in the manifest).
 */
export interface MarketplaceHandlers {
  /** VTEX snapshot → marketplace payload, or every fix the seller needs to make. */
  map?(input: MapInput): MapResult | Promise<MapResult>;
  /** Plugin-specific transformations for the core's mapping engine: one result per request, in order. */
  transform?(requests: TransformRequest[]): unknown[] | Promise<unknown[]>;
  /** Creates the item on the marketplace (no id mapping yet). */
  publish(item: PublishedItem): Promise<PublishResult>;
  /** Updates stock and price (and whatever else may change) of an item the marketplace already has. */
  update(item: ExistingItem): Promise<OperationResult>;
  /** Takes the item off sale (it stays on the marketplace). */
  deactivate?(item: ItemRef): Promise<OperationResult>;
  /** Removes the item from the marketplace. */
  delete?(item: ItemRef): Promise<OperationResult>;
  /** Feed marketplaces: sends a batch as one feed/lot; its id is polled with `checkFeed`. */
  submitFeed?(feed: FeedSubmission): Promise<{ feedId: string; response?: unknown }>;
  checkFeed?(feed: { feedId: string }): Promise<FeedStatus>;
  /** Reconciliation: what the marketplace holds for these items. */
  fetchRemoteState?(items: ItemRef[]): Promise<RemoteItemState[]>;
  /** Gets fresh credentials (e.g. OAuth refresh) when the marketplace refuses the current ones. */
  refreshAuth?(): Promise<RefreshedAuth>;
}

/**
 * Every handler the core may call across the isolation boundary. A method not in this list is never
 * forwarded (the boundary refuses it), so adding a handler to the API means adding it here.
 */
export const HANDLER_METHODS = [
  'map',
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
};

/** Cuts a string to `max` characters without breaking a surrogate pair, trimming trailing spaces. */
export function truncate(value: string, max: number): string {
  const chars = Array.from(value);
  return chars.length <= max ? value : chars.slice(0, max).join('').trimEnd();
}

/** VTEX prices are integer cents; most marketplaces want decimals. */
export function centsToDecimal(cents: number): number {
  return Math.round(cents) / 100;
}
