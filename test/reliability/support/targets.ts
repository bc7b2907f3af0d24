import { join } from 'node:path';
import { FakeFeedMarketplace, FakeMercadoLivre, type FaultControls } from '../../fakes/index.js';
import { CATEGORY_ID, ML_CATEGORY } from '../../support/stack.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/plugins');

/** What a marketplace holds for one SKU, in the marketplace's units (price as a decimal). */
export interface RemoteOffer {
  price: number;
  quantity: number;
}

export interface TargetOptions {
  /** The marketplace's own rate limit (its fake answers 429 past it). Absent: none. */
  rateLimit?: { perSecond: number; burst: number };
  /** `integrations[].limits` of the integration (the budget the connector keeps to). */
  limits?: Record<string, unknown>;
}

/**
 * One marketplace the reliability scenarios deliver to: its fake, the integration's config entry, and how
 * to read back what the marketplace holds. Every scenario takes a list of these, so another plugin (a real
 * feed plugin: Amazon, Mirakl, Dafiti) joins the scenarios by adding a factory to `TARGETS`.
 */
export interface MarketplaceTarget {
  /** The marketplace id of the integration (the plugin's `contributes.marketplace.id`). */
  readonly id: string;
  readonly kind: 'item' | 'feed';
  readonly faults: FaultControls;
  /** Plugin folders to add to `plugins.paths` (fixtures); empty for plugins found under `plugins/`. */
  readonly pluginPaths: string[];
  /** The entry of `stores[].integrations` for this marketplace. */
  integration(): Record<string, unknown>;
  /** What the marketplace holds for the SKU, or undefined when it holds nothing for it. */
  remote(skuId: string): RemoteOffer | undefined;
  /** Items created per seller SKU: a count above 1 is a duplicate creation. */
  createsBySku(): Map<string, number>;
  /**
   * Whether withdrawing a SKU (deactivated in VTEX) reaches this marketplace. False for the feed fixture on
   * this branch: the lot stage puts a withdrawal's empty payload in an offer lot and the marketplace refuses
   * the whole lot (fixed by the feed-plugins branch, where withdrawals ride in offer lots: set it to true then).
   */
  readonly withdrawals: boolean;
  /** 429s the marketplace's own limiter gave (not the injected ones): the connector went over its limit. */
  organicRateLimited(): number;
  close(): Promise<void>;
}

export type TargetFactory = (options?: TargetOptions) => Promise<MarketplaceTarget>;

/** Mercado Livre (item API) through the real plugin under plugins/mercadolivre. */
export const mercadoLivre: TargetFactory = (options = {}) => itemApiTarget(options, 'mercadolivre', []);

/**
 * The faulty plugin of scenario 6 (test/fixtures/plugins/chaos-item): Mercado Livre's items API on a fake of
 * its own; `settings` picks its fault. Not in the default targets.
 */
export const chaosItem = (options: TargetOptions = {}, settings: Record<string, unknown> = {}) =>
  itemApiTarget(options, 'fixture-chaos', [join(FIXTURES, 'chaos-item')], settings);

/** A marketplace speaking Mercado Livre's items API (the fake), under the plugin and marketplace id given. */
async function itemApiTarget(options: TargetOptions, id: string, pluginPaths: string[], settings: Record<string, unknown> = {}): Promise<MarketplaceTarget & { fake: FakeMercadoLivre }> {
  const ml = await FakeMercadoLivre.start(options.rateLimit ? { rateLimit: options.rateLimit } : {});
  const token = ml.issueAccessToken();
  // Seller SKU → item id, rebuilt when items were added: the fake's own lookup scans every item, too slow
  // for comparing 5,000 SKUs several times a second.
  const bySku = new Map<string, string>();
  const itemOf = (skuId: string) => {
    if (bySku.size !== ml.items.size) for (const item of ml.items.values()) if (item.seller_custom_field) bySku.set(item.seller_custom_field, item.id);
    const itemId = bySku.get(skuId);
    return itemId === undefined ? undefined : ml.items.get(itemId);
  };
  return {
    id,
    kind: 'item',
    withdrawals: true,
    faults: ml.faults,
    pluginPaths,
    fake: ml,
    integration: () => ({
      marketplace: id,
      minimumStock: 0,
      categoryMappings: { [String(CATEGORY_ID)]: ML_CATEGORY },
      settings: { accessToken: token, apiBaseUrl: ml.url, ...settings },
      limits: options.limits ?? { rate: { default: { perSecond: 1000, burst: 200 } }, concurrency: 8 },
    }),
    remote(skuId) {
      const item = itemOf(skuId);
      return item && item.status !== 'closed' ? { price: item.price, quantity: item.available_quantity } : undefined;
    },
    createsBySku: () => new Map(ml.counters.createsBySku),
    organicRateLimited: () => ml.counters.rateLimited - ml.faults.stats.rateLimited,
    close: () => ml.close(),
  };
}

/**
 * A feed (batch) marketplace: the fixture plugin test/fixtures/plugins/feedmarket against the generic feed
 * fake. The real feed plugins (Amazon, Mirakl, Dafiti) plug in the same way: a factory starting their fake,
 * returning their integration entry and reading their offers back.
 */
export const feedMarket: TargetFactory = async (options = {}) => {
  const fm = await FakeFeedMarketplace.start({ maxItems: 1000, pollsToFinish: 2, ...(options.rateLimit && { rateLimit: options.rateLimit }) });
  return {
    id: 'feedmarket',
    kind: 'feed',
    withdrawals: false,
    faults: fm.faults,
    pluginPaths: [join(FIXTURES, 'feedmarket')],
    integration: () => ({
      marketplace: 'feedmarket',
      minimumStock: 0,
      categoryMappings: { [String(CATEGORY_ID)]: 'shoes' },
      settings: { clientId: fm.clientId, clientSecret: fm.clientSecret, refreshToken: fm.refreshToken, apiBaseUrl: fm.url },
      limits: options.limits ?? { rate: { default: { perSecond: 200, burst: 40 }, submitFeed: { perSecond: 20, burst: 5 } }, batch: { maxItems: 250, maxWaitMs: 300 } },
    }),
    remote(skuId) {
      const offer = fm.offers.get(skuId);
      return offer && { price: offer.price, quantity: offer.quantity };
    },
    // A feed upserts by seller SKU (a product sent twice is catalogued once, as on Amazon or Mirakl): a
    // duplicate creation cannot happen there, so this only lists the SKUs catalogued.
    createsBySku: () => new Map([...fm.products.keys()].map((sku) => [sku, 1])),
    organicRateLimited: () => fm.counters.rateLimited - fm.faults.stats.rateLimited,
    close: () => fm.close(),
  };
};

/** Every target a scenario can run against, by marketplace id. */
export const TARGETS: Record<string, TargetFactory> = { mercadolivre: mercadoLivre, feedmarket: feedMarket };

/** One item marketplace and one feed marketplace: "at least one plugin of each kind". */
export const DEFAULT_TARGETS = ['mercadolivre', 'feedmarket'];

/** Starts the targets named (default: one of each kind), each with its own options. */
export async function startTargets(options: Record<string, TargetOptions> = {}, ids = DEFAULT_TARGETS): Promise<MarketplaceTarget[]> {
  return Promise.all(ids.map((id) => TARGETS[id]!(options[id])));
}
