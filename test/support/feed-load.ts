/**
 * The feed load harness: N SKUs (5,000 by default) from the fake VTEX to one feed plugin's fake, end to end,
 * through a real runtime on this test file's own database, with the marketplace's clock scaled. Used by each feed
 * plugin's e2e test (`feedLoadTest`, one line per plugin) and by `bench/certification` (the same test at full size,
 * reporting wall time against the least time the declared limits allow).
 *
 * Time: the fake runs on a FakeClock at `scale` (marketplace ms per real ms); the integration gets the manifest's
 * limits compressed by the same scale (`scaledLimits`), and feed polling is scaled too. Every figure is reported
 * with the scale and the clock's description. Waiting is on observable state (waitFor), never on sleeps.
 */
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorRuntime, createLogger, parseConfig, type MarketplaceContribution } from '@connector/core';
import { buildServer } from '@connector/server';
import { FakeVtex, type CatalogSku } from '../fakes/index.js';
import { openTestDatabase, type TestDatabase } from './database.js';
import type { FeedFake, FeedRemoteView, FeedScenario, FeedSubmission } from './feed-scenario.js';
import { CATEGORY_ID, notifyAll, WEBHOOK_TOKEN } from './stack.js';
import { waitFor } from './wait.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** The certification goal: wall time (in marketplace time) at most 15 % above the least time the limits allow. */
export const RATIO_GOAL = 1.15;

/** The product's feed polling defaults (core/src/config/delivery-config.ts DELIVERY_DEFAULTS, not exported), in marketplace seconds. */
const FEED_POLL_SECONDS = 5;
const FEED_MAX_POLL_SECONDS = 300;
/** The product's longest wait for a submission slot while holding a worker (delivery.feedSlotWaitSeconds), and lot timing defaults (core/src/delivery/limits.ts DEFAULT_BATCH). */
const FEED_SLOT_WAIT_SECONDS = 10;
const DEFAULT_MAX_WAIT_MS = 5_000;
const DEFAULT_QUIET_MS = 5_000;
/** The smallest feed poll interval the config accepts (FEED-API.md item 7). */
const MIN_POLL_SECONDS = 0.05;

type Limits = NonNullable<MarketplaceContribution['limits']>;
type Rate = NonNullable<Limits['rate']>[string];

// ---------------------------------------------------------------------------------------------------------------
// Limits: the manifest's true limits, and the same compressed by a clock scale.

/** The folder and package.json of the plugin serving `marketplace`: plugins/<id>, else any plugins/* or fixture declaring it. */
export function pluginManifest(marketplace: string): { dir: string; manifest: { contributes: { marketplace: MarketplaceContribution } } } {
  const folders = [join(ROOT, 'plugins'), join(ROOT, 'test/fixtures/plugins')];
  const candidates = [
    join(ROOT, 'plugins', marketplace),
    ...folders.flatMap((f) => (existsSync(f) ? readdirSync(f, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(f, d.name)) : [])),
  ];
  for (const dir of candidates) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    if (manifest?.contributes?.marketplace?.id === marketplace) return { dir, manifest };
  }
  throw new Error(`no plugin declares marketplace "${marketplace}" under plugins/ or test/fixtures/plugins/`);
}

/** `contributes.marketplace.limits` of the plugin serving `marketplace` (the marketplace's true limits). */
export function manifestLimits(marketplace: string): Limits {
  const limits = pluginManifest(marketplace).manifest.contributes.marketplace.limits;
  if (!limits) throw new Error(`the manifest of "${marketplace}" declares no limits`);
  return structuredClone(limits);
}

/** The limits schema's maxima (core/schema/limits.schema.json): a scaled rate past them is clamped (still effectively unlimited). */
const MAX_PER_SECOND = 100_000;
const MAX_PER_MINUTE = 6_000_000;

const tidy = (x: number) => Number(x.toPrecision(12));

/**
 * The manifest's limits as the runtime must see them when one real millisecond is `scale` marketplace
 * milliseconds: rates multiplied by `scale` (a per-minute rate that reaches one a second or more is written per
 * second: at 60 ×, `perMinute: 1` becomes `perSecond: 1`), bursts and sizes unchanged, `batch.maxWaitMs` divided by
 * `scale` (rounded, the schema wants an integer). Keys are kept as they are (`submitFeed.product` included).
 */
export function scaledLimits(limits: Limits, scale: number): Limits {
  if (!(Number.isFinite(scale) && scale > 0)) throw new RangeError(`scaledLimits: scale must be a number > 0 (got ${scale})`);
  const out: Limits = structuredClone(limits);
  if (limits.rate) {
    out.rate = {};
    for (const [key, rate] of Object.entries(limits.rate)) {
      const scaled: Rate = {};
      if (rate.perSecond !== undefined) scaled.perSecond = Math.min(MAX_PER_SECOND, tidy(rate.perSecond * scale));
      if (rate.perMinute !== undefined) {
        const perMinute = tidy(rate.perMinute * scale);
        if (rate.perSecond === undefined && perMinute >= 60) scaled.perSecond = Math.min(MAX_PER_SECOND, tidy(perMinute / 60));
        else scaled.perMinute = Math.min(MAX_PER_MINUTE, perMinute);
      }
      if (rate.burst !== undefined) scaled.burst = rate.burst;
      out.rate[key] = scaled;
    }
  }
  if (limits.batch?.maxWaitMs !== undefined || limits.batch?.quietMs !== undefined) {
    // quietMs defaults to the smaller of maxWaitMs and 5 s of real time: compressed explicitly, like maxWaitMs.
    const maxWaitMs = limits.batch.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
    const quietMs = limits.batch.quietMs ?? Math.min(maxWaitMs, DEFAULT_QUIET_MS);
    out.batch = { ...limits.batch, maxWaitMs: Math.round(maxWaitMs / scale), quietMs: Math.round(quietMs / scale) };
  }
  return out;
}

/** The config's `delivery` feed polling for a scale: the product's defaults (5 s doubling up to 300 s, marketplace time) compressed. */
export function scaledFeedPolling(scale: number): { feedPollSeconds: number; feedMaxPollSeconds: number; feedSlotWaitSeconds: number } {
  const feedPollSeconds = Math.max(MIN_POLL_SECONDS, tidy(FEED_POLL_SECONDS / scale));
  return {
    feedPollSeconds,
    feedMaxPollSeconds: Math.max(feedPollSeconds, tidy(FEED_MAX_POLL_SECONDS / scale)),
    feedSlotWaitSeconds: Math.max(MIN_POLL_SECONDS, tidy(FEED_SLOT_WAIT_SECONDS / scale)),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// What VTEX says, and what the fake holds.

/** What the marketplace must hold for a seeded SKU once the load is done, in VTEX's units. */
export function expectedView(sku: CatalogSku): Required<Omit<FeedRemoteView, 'catalogued'>> & { catalogued: true } {
  // The load seeds SKUs with stock ≥ 1 (generateSku), so an active VTEX SKU is on sale.
  return { price: sku.sellingPrice ?? sku.price, stock: sku.stock, catalogued: true, active: sku.isActive && sku.isProductActive };
}

/** Why the fake's view of `sku` differs from VTEX ('' when it matches). */
export function viewMismatch(view: FeedRemoteView | undefined, sku: CatalogSku): string {
  const want = expectedView(sku);
  if (!view) return 'unknown to the marketplace';
  const diffs: string[] = [];
  for (const key of ['catalogued', 'active', 'price', 'stock'] as const) if (view[key] !== want[key]) diffs.push(`${key} ${JSON.stringify(view[key])} (VTEX: ${JSON.stringify(want[key])})`);
  return diffs.join(', ');
}

// ---------------------------------------------------------------------------------------------------------------
// Declared caps.

/**
 * Every violation of the scenario's declared caps in the fake's submissions so far (empty = all respected):
 * for each `caps` entry, no more than `max` submissions of `kind` within any sliding window of `windowMs`
 * (marketplace time; a window holds the submissions in (t − windowMs, t], as the fakes' WindowLimit counts them);
 * `kind: '*'` counts every submission. And every submission within `maxSize` of its kind (items, bytes).
 */
export function checkCaps<F extends FeedFake>(scenario: FeedScenario<F>, fake: F): string[] {
  const submissions = scenario.submissions(fake);
  const t0 = submissions.length ? Math.min(...submissions.map((s) => s.at)) : 0;
  const rel = (at: number) => `+${Math.round(at - t0)} ms`;
  const violations: string[] = [];
  for (const cap of scenario.caps) {
    const times = submissions.filter((s) => cap.kind === '*' || s.kind === cap.kind).map((s) => s.at).sort((a, b) => a - b);
    let first: string | undefined;
    let windows = 0;
    let worst = 0;
    for (let i = 0, lo = 0; i < times.length; i++) {
      while (times[lo]! <= times[i]! - cap.windowMs) lo++;
      const count = i - lo + 1;
      if (count > cap.max) {
        windows++;
        worst = Math.max(worst, count);
        first ??= `from ${rel(times[lo]!)} to ${rel(times[i]!)}`;
      }
    }
    if (windows) violations.push(`${cap.kind}: up to ${worst} submissions within ${cap.windowMs} ms (declared max ${cap.max}); ${windows} such window(s), the first ${first} (marketplace time since the first submission)`);
  }
  for (const [kind, size] of Object.entries(scenario.maxSize)) {
    for (const s of submissions.filter((x) => x.kind === kind)) {
      if (size.items !== undefined && s.items > size.items) violations.push(`${kind} at ${rel(s.at)}: ${s.items} items (declared max ${size.items})`);
      if (size.bytes !== undefined && s.bytes > size.bytes) violations.push(`${kind} at ${rel(s.at)}: ${s.bytes} bytes (declared max ${size.bytes})`);
    }
  }
  return violations;
}

export interface SubmissionSummary {
  count: number;
  /** Items over every submission of the kind. */
  items: number;
  maxItems: number;
  maxBytes: number;
}

export function summarizeSubmissions(submissions: FeedSubmission[]): Record<string, SubmissionSummary> {
  const out: Record<string, SubmissionSummary> = {};
  for (const s of submissions) {
    const k = (out[s.kind] ??= { count: 0, items: 0, maxItems: 0, maxBytes: 0 });
    k.count++;
    k.items += s.items;
    k.maxItems = Math.max(k.maxItems, s.items);
    k.maxBytes = Math.max(k.maxBytes, s.bytes);
  }
  return out;
}

/** Runs the scenario's `expectHolds` (vitest expect) on every SKU, or on `sample` of them spread evenly. */
export function expectHoldsSample<F extends FeedFake>(scenario: FeedScenario<F>, fake: F, skus: CatalogSku[], sample = skus.length): number {
  const step = Math.max(1, skus.length / Math.max(1, sample));
  let checked = 0;
  for (let i = 0; i < skus.length; i += step) {
    scenario.expectHolds(fake, skus[Math.floor(i)]!);
    checked++;
  }
  return checked;
}

// ---------------------------------------------------------------------------------------------------------------
// The load.

export interface FeedLoadOptions {
  /** SKUs seeded in the fake VTEX and notified (default 5,000). */
  skus?: number;
  /** Marketplace ms per real ms (the fake's clock, the integration's limits and the feed polling). */
  scale: number;
  /** A database to run on (default: this file's own, test/support/database.ts: Postgres when DATABASE_URL is set, else PGlite). Not closed by the harness. */
  database?: TestDatabase;
  /** The config's `delivery` section; default: the product's feed polling compressed by `scale` (scaledFeedPolling). */
  delivery?: Record<string, unknown>;
  /** Real ms to wait for every SKU (default: 90 s + 4 × the minimum at this scale + 20 ms a SKU). */
  timeoutMs?: number;
}

export interface FeedLoadFigures {
  marketplace: string;
  skus: number;
  scale: number;
  clock: string;
  database: 'postgres' | 'pglite';
  /** Real ms from the first notification until every SKU was `synced` and the fake held VTEX's values for all of them. */
  wallMs: number;
  /** Real ms until the fake held VTEX's values for every SKU (before the connector had confirmed them all). */
  arrivedMs: number;
  /** wallMs × scale: the load's duration on the marketplace's clock. */
  marketplaceMs: number;
  /** scenario.minimumMs(skus): the least marketplace time the declared limits allow. */
  minimumMs: number;
  /** marketplaceMs / minimumMs (goal ≤ RATIO_GOAL). */
  ratio: number;
  /** arrivedMs × scale / minimumMs: the ratio had the connector learnt of each outcome at once (the rest is feed-status polling lag). */
  arrivedRatio: number;
  goal: number;
  /** Real ms the notifications took to send (part of wallMs). */
  notifyMs: number;
  delivery: Record<string, unknown>;
  submissions: Record<string, SubmissionSummary>;
  /** The connector's lots per operation (lots table), times in real ms since the first notification: where the time went. */
  lots: Record<string, LotTimeline>;
  offersBeforeCatalogued: number;
}

export interface LotTimeline {
  count: number;
  /** Items over every lot of the operation. */
  items: number;
  firstSubmittedMs: number;
  lastSubmittedMs: number;
  lastFinishedMs: number;
  /** Mean real ms from a lot's submission to its outcome (feed processing plus polling latency). */
  meanSubmitToDoneMs: number;
  /** Mean checkFeed polls per lot. */
  meanPolls: number;
}

export interface FeedLoadRun<F extends FeedFake> {
  figures: FeedLoadFigures;
  fake: F;
  vtex: FakeVtex;
  runtime: ConnectorRuntime;
  /** The seeded SKUs, as VTEX holds them. */
  skus: CatalogSku[];
  close(): Promise<void>;
}

/** States that no longer move without a new notification: a load reaching one of them has failed. */
const TERMINAL = new Set(['failed', 'invalid', 'dead', 'pending-category', 'blocked']);

/**
 * Starts the scenario's fake at `scale`, the fake VTEX seeded with `skus` SKUs, and a runtime with only this
 * marketplace's integration; notifies every SKU and waits until every SKU is `synced` and the fake holds VTEX's
 * price, stock and on-sale state for each. Fails with what is missing (by state, with examples) on a timeout, or
 * as soon as a SKU reaches a state it will not leave (refused, invalid, dead). The caller closes the run.
 */
export async function runFeedLoad<F extends FeedFake>(scenario: FeedScenario<F>, options: FeedLoadOptions): Promise<FeedLoadRun<F>> {
  const { scale } = options;
  const count = options.skus ?? 5000;
  const minimumMs = scenario.minimumMs(count);
  const timeoutMs = options.timeoutMs ?? Math.round(90_000 + (4 * minimumMs) / scale + 20 * count);
  const delivery = options.delivery ?? scaledFeedPolling(scale);
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  };
  try {
    const fake = await scenario.start(scale);
    closers.push(() => fake.close());
    const vtex = await FakeVtex.start({ account: 'feedload' });
    closers.push(() => vtex.close());
    const skus = vtex.seed(count, { categoryId: CATEGORY_ID, salesChannel: 1, ...(scenario.seed && { make: (i: number) => scenario.seed!(i) }) });
    const tdb = options.database ?? (await openTestDatabase());
    if (!options.database) closers.push(() => tdb.cleanup());
    const integration = scenario.integration(fake, scale);
    const runtime = await ConnectorRuntime.create({
      config: parseConfig({
        stores: [
          {
            account: vtex.account,
            webhookToken: WEBHOOK_TOKEN,
            vtex: { baseUrl: vtex.url, appKey: vtex.appKey, appToken: vtex.appToken, affiliateId: 'TST', salesChannel: 1 },
            integrations: [integration],
          },
        ],
        ...(scenario.pluginPaths?.length && { plugins: { paths: scenario.pluginPaths } }),
        delivery,
        reconciliation: { enabled: false },
      }),
      database: tdb.db,
      logger: createLogger({ level: process.env.CONNECTOR_TEST_LOG ?? 'silent' }),
    });
    await runtime.start();
    closers.push(() => runtime.stop());
    const app = buildServer(runtime);
    closers.push(() => app.close());
    const webhook = `${await app.listen({ port: 0, host: '127.0.0.1' })}/api/notification?token=${WEBHOOK_TOKEN}`;
    const marketplace = String(integration.marketplace ?? scenario.marketplace);

    const byId = new Map(skus.map((s) => [String(s.id), s]));
    const pending = new Set(byId.keys());
    const statusCounts = async () =>
      Object.fromEntries(
        (await runtime.db.query<{ status: string; n: number }>(`select status, count(*)::int as n from sku_state where store = $1 and marketplace = $2 group by status`, [vtex.account, marketplace])).map((r) => [r.status, r.n]),
      ) as Record<string, number>;
    const describeMissing = async () => {
      const counts = await statusCounts();
      const known = Object.values(counts).reduce((a, b) => a + b, 0);
      const notSynced = await runtime.db.query<{ sku_id: string; status: string; fixes: unknown }>(
        `select sku_id, status, fixes from sku_state where store = $1 and marketplace = $2 and status <> 'synced' order by status, sku_id limit 10`,
        [vtex.account, marketplace],
      );
      const views = [...pending].slice(0, 10).map((id) => `${id}: ${viewMismatch(scenario.view(fake, id), byId.get(id)!)}`);
      return [
        `${scenario.marketplace} (${fake.clock.describe()}): ${pending.size} of ${count} SKUs not yet as VTEX says on the marketplace;`,
        `connector states ${JSON.stringify(counts)}${known < count ? `, ${count - known} SKUs without a state` : ''};`,
        `first not synced: ${JSON.stringify(notSynced)};`,
        `first differing on the marketplace: ${views.join('; ') || 'none'};`,
        `submissions so far ${JSON.stringify(summarizeSubmissions(scenario.submissions(fake)))}`,
      ].join(' ');
    };

    const started = performance.now();
    const startedAt = new Date();
    await notifyAll({ vtex, webhook }, skus.map((s) => s.id));
    const notifyMs = performance.now() - started;
    let arrivedMs: number | undefined;
    let lastStatusCheck = 0;
    await waitFor(
      async () => {
        // The fake's view first (in memory, cheap): only the SKUs still differing are looked at again.
        for (const id of pending) if (!viewMismatch(scenario.view(fake, id), byId.get(id)!)) pending.delete(id);
        if (pending.size === 0) arrivedMs ??= performance.now() - started;
        if (pending.size > 0 && performance.now() - lastStatusCheck < 1000) return false;
        lastStatusCheck = performance.now();
        const counts = await statusCounts();
        const stuck = Object.keys(counts).filter((s) => TERMINAL.has(s));
        if (stuck.length) throw new Error(`SKUs reached a state they will not leave (${stuck.join(', ')}): ${await describeMissing()}`);
        return pending.size === 0 && counts.synced === count;
      },
      { timeoutMs, intervalMs: 50, describe: describeMissing },
    );
    const wallMs = performance.now() - started;
    // Every SKU once more: one that matched early must still match now.
    const changed = skus.flatMap((s) => {
      const why = viewMismatch(scenario.view(fake, String(s.id)), s);
      return why ? [`${s.id}: ${why}`] : [];
    });
    if (changed.length) throw new Error(`${changed.length} SKUs no longer match VTEX at the end: ${changed.slice(0, 10).join('; ')}`);

    const marketplaceMs = wallMs * scale;
    const figures: FeedLoadFigures = {
      marketplace: scenario.marketplace,
      skus: count,
      scale,
      clock: fake.clock.describe(),
      database: tdb.env.DATABASE_URL ? 'postgres' : 'pglite',
      wallMs: Math.round(wallMs),
      arrivedMs: Math.round(arrivedMs ?? wallMs),
      marketplaceMs: Math.round(marketplaceMs),
      minimumMs: Math.round(minimumMs),
      ratio: Number((marketplaceMs / minimumMs).toFixed(3)),
      arrivedRatio: Number((((arrivedMs ?? wallMs) * scale) / minimumMs).toFixed(3)),
      goal: RATIO_GOAL,
      notifyMs: Math.round(notifyMs),
      delivery,
      submissions: summarizeSubmissions(scenario.submissions(fake)),
      lots: await lotTimelines(runtime, vtex.account, marketplace, startedAt, wallMs),
      offersBeforeCatalogued: scenario.offersBeforeCatalogued(fake),
    };
    return { figures, fake, vtex, runtime, skus, close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function lotTimelines(runtime: ConnectorRuntime, store: string, marketplace: string, since: Date, wallMs: number): Promise<Record<string, LotTimeline>> {
  // A lot is marked done just after its SKUs' states are written: wait for that bookkeeping (its timeline is a figure, not
  // a condition of the load, so a lot still open after this wait is reported with the wall time as its end).
  const unfinished = async () =>
    (await runtime.db.query<{ n: number }>(`select count(*)::int as n from lots where store = $1 and marketplace = $2 and finished_at is null`, [store, marketplace]))[0]!.n;
  await waitFor(async () => (await unfinished()) === 0, { timeoutMs: 10_000, intervalMs: 50 }).catch(() => undefined);
  const rows = await runtime.db.query<{ operation: string; count: number; items: number; first_submitted: number; last_submitted: number; last_finished: number | null; submit_to_done: number | null; polls: number }>(
    `select operation, count(*)::int as count, sum(item_count)::int as items,
            extract(epoch from min(submitted_at) - $3::timestamptz) * 1000 as first_submitted,
            extract(epoch from max(submitted_at) - $3::timestamptz) * 1000 as last_submitted,
            extract(epoch from max(finished_at) - $3::timestamptz) * 1000 as last_finished,
            extract(epoch from avg(finished_at - submitted_at)) * 1000 as submit_to_done,
            avg(polls)::float as polls
       from lots where store = $1 and marketplace = $2 group by operation order by operation`,
    [store, marketplace, since.toISOString()],
  );
  return Object.fromEntries(
    rows.map((r) => [
      r.operation,
      {
        count: r.count,
        items: r.items,
        firstSubmittedMs: Math.round(Number(r.first_submitted)),
        lastSubmittedMs: Math.round(Number(r.last_submitted)),
        lastFinishedMs: r.last_finished === null ? Math.round(wallMs) : Math.round(Number(r.last_finished)),
        meanSubmitToDoneMs: Math.round(Number(r.submit_to_done ?? 0)),
        meanPolls: Number(Number(r.polls).toFixed(2)),
      },
    ]),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// The e2e test every feed plugin runs.

export interface FeedLoadTestOptions extends Omit<FeedLoadOptions, 'skus'> {
  skus?: number;
  /** SKUs checked field by field with the scenario's expectHolds (default: all). */
  sample?: number;
}

/**
 * A vitest `describe` that runs the load once and asserts: every SKU synced with VTEX's values (and the
 * scenario's field-by-field `expectHolds`), every declared cap respected, no offer before its product. Prints the
 * figures as one JSON line; with CONNECTOR_FEED_LOAD_FIGURES set, appends the line to that file (bench/certification).
 * CONNECTOR_FEED_LOAD_SKUS and CONNECTOR_FEED_LOAD_SCALE override the size and scale (the certification runs the same test).
 */
export function feedLoadTest<F extends FeedFake>(scenario: FeedScenario<F>, options: FeedLoadTestOptions) {
  const skus = Number(process.env.CONNECTOR_FEED_LOAD_SKUS || options.skus || 5000);
  const scale = Number(process.env.CONNECTOR_FEED_LOAD_SCALE || options.scale);
  const run = { current: undefined as FeedLoadRun<F> | undefined };
  const minimumRealMs = scenario.minimumMs(skus) / scale;
  const timeoutMs = options.timeoutMs ?? Math.round(90_000 + 4 * minimumRealMs + 20 * skus);

  describe(`${scenario.marketplace}: ${skus} SKUs from VTEX end to end (feed load, timeScale=${scale})`, () => {
    beforeAll(async () => {
      const record = (figures: object) => {
        const line = JSON.stringify(figures);
        console.log(line);
        if (process.env.CONNECTOR_FEED_LOAD_FIGURES) appendFileSync(process.env.CONNECTOR_FEED_LOAD_FIGURES, `${line}\n`);
      };
      try {
        run.current = await runFeedLoad(scenario, { ...options, skus, scale, timeoutMs });
      } catch (error) {
        // The load did not finish: the figures line says why (vitest's JSON report drops a hook's error).
        record({ marketplace: scenario.marketplace, skus, scale, error: (error as Error).message });
        throw error;
      }
      record(run.current.figures);
    }, timeoutMs + 60_000);
    afterAll(() => run.current?.close(), 60_000);

    it('every SKU arrives with VTEX\'s values', () => {
      const { fake, skus: seeded } = run.current!;
      const wrong = seeded.flatMap((s) => {
        const why = viewMismatch(scenario.view(fake, String(s.id)), s);
        return why ? [`${s.id}: ${why}`] : [];
      });
      expect(wrong.slice(0, 10), `${wrong.length} SKUs differ from VTEX: ${wrong.slice(0, 10).join('; ')}`).toEqual([]);
      expect(expectHoldsSample(scenario, fake, seeded, options.sample)).toBeGreaterThan(0);
    });

    it('lots respect every declared cap (rate windows in marketplace time, items and bytes)', () => {
      expect(scenario.submissions(run.current!.fake).length).toBeGreaterThan(0);
      const violations = checkCaps(scenario, run.current!.fake);
      expect(violations, violations.join('\n')).toEqual([]);
    });

    it('no offer reaches the marketplace before its product is catalogued', () => {
      expect(run.current!.figures.offersBeforeCatalogued).toBe(0);
    });
  });
}
