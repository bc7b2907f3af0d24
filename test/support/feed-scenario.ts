/**
 * What the feed-marketplace harnesses (test/support/feed-load.ts: the 5,000-SKU end-to-end load and
 * bench/certification; test/support/feed-contract.ts: the contract suite) need to know about one feed
 * plugin and its fake. Each feed plugin has one adapter in test/support/feeds/<marketplace>.ts.
 *
 * Time: every feed fake runs on a FakeClock. `scale` is how many marketplace milliseconds pass per real
 * millisecond (60 = a marketplace minute per real second). The plugin's manifest keeps the marketplace's
 * true limits; the adapter hands the runtime the same limits compressed by `scale` (scaledLimits), so the
 * connector and the fake agree on what "once a minute" means. Every figure is printed with its scale.
 */
import type { CatalogSku } from '../fakes/index.js';

/** What the marketplace holds for one VTEX SKU, in VTEX's units. */
export interface FeedRemoteView {
  /** The selling price, integer cents (undefined while the marketplace has no offer). */
  price?: number;
  stock?: number;
  /** Catalogued (the product exists and is accepted on the marketplace). */
  catalogued: boolean;
  /** On sale: catalogued, with an active offer. */
  active: boolean;
}

/** One submission the fake received (a feed, an import, a per-item call), for checking declared caps. */
export interface FeedSubmission {
  /** The adapter's own words: `product`, `offer`, `listings-feed`, `listings-item`, … */
  kind: string;
  /** Items (messages, CSV lines, XML products) in it. */
  items: number;
  bytes: number;
  /** When the fake received it, marketplace time (ms since the epoch, the fake's clock). */
  at: number;
}

/**
 * A declared cap the load must respect: at most `max` submissions of `kind` within any `windowMs` (marketplace time).
 * `kind: '*'` counts submissions of every kind together (one budget shared by all feed types).
 */
export interface SubmissionCap {
  kind: string;
  max: number;
  windowMs: number;
}

export interface FeedFake {
  readonly url: string;
  /** The fake's clock (FakeClock): `timeScale`, `now()`, `describe()`. */
  readonly clock: { readonly timeScale: number; now(): number; describe(): string };
  close(): Promise<void>;
}

export interface FeedScenario<F extends FeedFake> {
  /** The plugin's marketplace id (plugins/<id>). */
  marketplace: string;
  /**
   * Plugin folders to add to the config's `plugins.paths` (a test fixture's plugin); absent for a plugin under
   * plugins/ (found by discovery). The certification bench runs only scenarios without it, unless named.
   */
  pluginPaths?: string[];
  /** Starts the fake with its clock at `scale` and its faults off. */
  start(scale: number): Promise<F>;
  /**
   * The `integrations[]` entry: settings pointing at the fake (credentials it accepts), categoryMappings for
   * CATEGORY_ID (test/support/stack.ts), and `limits` = the manifest's limits compressed by `scale`.
   */
  integration(fake: F, scale: number): Record<string, unknown>;
  /** Per generated SKU, what the seeded VTEX catalogue needs for this marketplace (EAN, specifications, …). */
  seed?(i: number): Partial<CatalogSku>;
  /** What the fake holds for this VTEX SKU, or undefined when it has never heard of it. */
  view(fake: F, skuId: string): FeedRemoteView | undefined;
  /** Asserts (vitest expect) that every field the fake holds for `sku` is what VTEX says, transformed as the manifest says. */
  expectHolds(fake: F, sku: CatalogSku): void;
  /** Every submission the fake received so far, oldest first. */
  submissions(fake: F): FeedSubmission[];
  /** The caps the manifest declares, in marketplace time (e.g. Amazon: 5 `listings-feed` per 300,000 ms). */
  caps: SubmissionCap[];
  /** Largest submission the manifest allows: items and bytes, per kind (absent = no cap on that kind). */
  maxSize: Record<string, { items?: number; bytes?: number }>;
  /** Offers (price/stock) the fake received before their product was catalogued; must stay 0. */
  offersBeforeCatalogued(fake: F): number;
  /**
   * The least marketplace time (ms) in which `skus` new SKUs can be catalogued and put on sale, given the
   * manifest's declared limits and the fake's processing delays: the denominator of the certification ratio.
   * Say in a comment how it is derived.
   */
  minimumMs(skus: number): number;
}
