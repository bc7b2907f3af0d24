/**
 * The plugin API: the one entry point a marketplace plugin imports (`@connector/core/plugin`).
 * Keep it small and stable — everything here is a promise to third-party authors.
 */
import type { SkuSnapshot } from '../vtex/types.js';
import { ConnectorError, Errors } from '../errors/errors.js';

export type { SkuSnapshot, VtexOffer, VtexProduct, VtexSkuAndContext } from '../vtex/types.js';
export { ConnectorError };

/** The plugin API version this core implements; plugins declare a range in `engines.connector`. */
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

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Absolute, or relative to the integration's `apiBaseUrl`. */
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
 * The plugin's only way out to the network. Non-2xx answers throw typed errors the core acts on:
 * 429 → rate limited (waited out), 401/403 → auth, 5xx/timeouts → unavailable (retried),
 * other 4xx → rejected (the seller sees the marketplace's message).
 */
export interface PluginHttp {
  request<T = unknown>(request: HttpRequest): Promise<HttpResponse<T>>;
}

export interface PluginLog {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

/** Given to `activate`, once per integration (store × marketplace). */
export interface PluginContext {
  readonly marketplace: string;
  readonly store: string;
  /** This integration's settings (validated by the manifest's settings schema), secrets included. */
  readonly settings: Readonly<Record<string, unknown>>;
  readonly http: PluginHttp;
  readonly log: PluginLog;
  /** Disposed on deactivation, in reverse order. */
  readonly subscriptions: Disposable[];
}

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

export interface PublishResult {
  /** The marketplace's id for the item (stored next to the VTEX SKU id). */
  marketplaceId: string;
  response?: unknown;
}

/** What a plugin's `activate` returns: the operations the core drives. */
export interface MarketplaceHandlers {
  /** VTEX snapshot → marketplace payload, or every fix the seller needs to make. */
  map(input: MapInput): MapResult;
  /** Creates the item on the marketplace (no id mapping yet). */
  publish(item: PublishedItem): Promise<PublishResult>;
  /** Updates an item the marketplace already has. */
  update(item: ExistingItem): Promise<{ response?: unknown }>;
}

export interface PluginModule {
  activate(context: PluginContext): MarketplaceHandlers | Promise<MarketplaceHandlers>;
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
