import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeVtex } from '../fakes/index.js';
import { waitFor } from '../support/wait.js';
import { duplicateCreates, expectNothingLost, seconds, waitForConvergence, waitForLedger } from './support/convergence.js';
import { reliabilityConfig, startInProcess, startVtex, type InProcess } from './support/runtime.js';
import { budgetMs, FULL, recordFigures, SCALE } from './support/scale.js';
import { VtexSender } from './support/sender.js';
import { startTargets, type MarketplaceTarget } from './support/targets.js';

/** The marketplaces' own limits, which the integrations declare as their budget too (higher at full size). */
const ML_LIMIT = FULL ? { perSecond: 100, burst: 20 } : { perSecond: 40, burst: 8 };
const FEED_LIMIT = { default: { perSecond: 10, burst: 4 }, submitFeed: { perSecond: 4, burst: 2 } };
const CHAOS = { errorRate: 0.2, timeoutRate: 0.05, rateLimitBursts: { probability: 0.01, length: 5, retryAfterSeconds: 1 } };
/** Every 40th SKU carries an image URL Mercado Livre refuses (a permanent 400): it must end `failed`, not dead-lettered. */
const refusedByMl = (id: number) => id % 40 === 0;

/**
 * Scenario 2 — faulty marketplace. Both marketplaces answer 20 % of requests with a 5xx, leave 5 % without
 * an answer (half of them after processing them: a create that went through unknown to the caller) and
 * throw bursts of 429. Every SKU converges; nothing is created twice; no SKU is dead-lettered for a
 * transient fault (the only failures are the permanent refusals, which end `failed` with the marketplace's
 * message); and the rate each marketplace saw never went past its limit (no 429 of its own).
 */
describe(`faulty marketplaces: 20 % 5xx, 5 % timeouts, bursts of 429 (${SCALE.faultySkus} SKUs)`, () => {
  const N = SCALE.faultySkus;
  let vtex: FakeVtex;
  let targets: MarketplaceTarget[];
  let stack: InProcess;

  beforeAll(async () => {
    vtex = await startVtex('faultystore', N);
    for (const sku of vtex.listSkus()) if (refusedByMl(sku.id)) vtex.updateSku(sku.id, { images: [`ftp://${vtex.account}.example/${sku.id}.jpg`] });
    targets = await startTargets({
      mercadolivre: { rateLimit: ML_LIMIT, limits: { rate: { default: ML_LIMIT }, concurrency: 8 } },
      feedmarket: {
        // One limit over every call on the marketplace: the sum of the integration's per-operation budgets.
        rateLimit: { perSecond: FEED_LIMIT.default.perSecond + FEED_LIMIT.submitFeed.perSecond, burst: FEED_LIMIT.default.burst + FEED_LIMIT.submitFeed.burst },
        limits: { rate: FEED_LIMIT, batch: { maxItems: 100, maxWaitMs: 300 } },
      },
    });
    stack = await startInProcess(
      reliabilityConfig(vtex, targets, {
        // A breaker quick to close again, so runs of failures (which 20 % makes likely) cost seconds, not minutes.
        delivery: { breaker: { failureThreshold: 5, openSeconds: 1, maxOpenSeconds: 4 }, retry: { limit: 10, delaySeconds: 1, maxDelaySeconds: 5 } },
      }),
      // A marketplace that does not answer is given up on after 1.5 s (the default is 20 s).
      { pluginHost: { httpTimeoutMs: 1_500 } },
    );
    for (const t of targets) {
      // Each kind of fault at least once, however few requests a marketplace gets (a feed marketplace sees
      // tens, not hundreds): one 503, one request left unanswered, a burst of 429s; then the random ones.
      t.faults.failNext(1, 503);
      void t.faults.timeoutNext(1);
      t.faults.rateLimitNext(CHAOS.rateLimitBursts.length, CHAOS.rateLimitBursts.retryAfterSeconds);
      t.faults.chaos({ ...CHAOS, seed: 20 + t.id.length });
    }
  });
  afterAll(async () => {
    await stack?.close();
    for (const t of targets ?? []) await t.close();
    await vtex?.close();
  });

  it('converges 100 %, dead-letters nothing transient and never exceeds the rate limits', { timeout: budgetMs(300_000, 300, N) }, async () => {
    const started = performance.now();
    const sender = new VtexSender(vtex, stack.baseUrl);
    const ids = vtex.listSkus().map((s) => s.id);
    await sender.send(ids);
    // A second wave while the first is being delivered: a third of the catalog changes price and stock.
    const changed = ids.filter((id) => id % 3 === 1);
    for (const id of changed) {
      const sku = vtex.getSku(id)!;
      vtex.updateSku(id, { stock: sku.stock + 3, price: sku.price + 50, sellingPrice: (sku.sellingPrice ?? sku.price) + 50 });
    }
    await sender.send(changed, { StockModified: true, PriceModified: true });

    const sentAfter = seconds(performance.now() - started);
    const refused = ids.filter(refusedByMl).map(String);
    const convergence = await waitForConvergence(vtex, targets, {
      timeoutMs: budgetMs(180_000, 300, N),
      exclude: (marketplace, skuId) => marketplace === 'mercadolivre' && refused.includes(skuId),
    });
    const convergedAfter = seconds(performance.now() - started);
    const ledger = await waitForLedger(stack.runtime.db, sender.acknowledged);
    const states = async () =>
      stack.runtime.db.query<{ sku_id: string; marketplace: string; status: string; fixes: Array<{ message: string }> }>(
        `select sku_id, marketplace, status, fixes from sku_state where store = $1 and status <> 'synced'`,
        [vtex.account],
      );
    // The permanent refusals: `failed` with Mercado Livre's message, never retried into the dead-letter queue;
    // every other SKU `synced` — once the retries of calls whose answer was lost (the marketplace did hold
    // the data already) have recorded it.
    const expectedNotSynced = refused.map((id) => `mercadolivre:${id}:failed`).sort();
    const notSyncedNow = async () => (await states()).map((s) => `${s.marketplace}:${s.sku_id}:${s.status}`).sort();
    await waitFor(async () => JSON.stringify(await notSyncedNow()) === JSON.stringify(expectedNotSynced), { timeoutMs: 120_000, describe: async () => JSON.stringify(await notSyncedNow()) });
    const notSynced = await states();
    for (const s of notSynced) expect(s.fixes[0]?.message).toContain('pictures');
    const deadLetters = await stack.runtime.deadLetters.list();

    const faults = Object.fromEntries(targets.map((t) => [t.id, { ...t.faults.stats, organicRateLimited: t.organicRateLimited() }]));
    const duplicates = duplicateCreates(targets);
    recordFigures('2-faulty-marketplace', {
      skus: N,
      chaos: CHAOS,
      limits: { mercadolivre: ML_LIMIT, feedmarket: FEED_LIMIT },
      faults,
      notifications: { acknowledged: ledger.acknowledged, lost: ledger.lost.length },
      converged: `${convergence.compared}/${convergence.compared}`,
      sentAfterSeconds: sentAfter,
      convergedAfterSeconds: convergedAfter,
      refusedForGood: refused.length,
      deadLetters: deadLetters.length,
      duplicateCreates: duplicates.length,
      secondsTotal: seconds(performance.now() - started),
    });
    expectNothingLost(ledger, duplicates);
    expect(deadLetters).toEqual([]);
    // The faults really happened…
    for (const t of targets) {
      expect(t.faults.stats.errors, t.id).toBeGreaterThan(0);
      expect(t.faults.stats.timeouts + t.faults.stats.lostAnswers, t.id).toBeGreaterThan(0);
      expect(t.faults.stats.rateLimited, t.id).toBeGreaterThan(0);
    }
    // …and the marketplaces' own limits were never exceeded: no 429 of their own, and at most rate + burst
    // requests (faults included) in any one second.
    const ml = targets.find((t) => t.id === 'mercadolivre')!;
    const feed = targets.find((t) => t.id === 'feedmarket')!;
    expect(ml.organicRateLimited()).toBe(0);
    expect(feed.organicRateLimited()).toBe(0);
    expect(ml.faults.stats.maxArrivalsPerSecond).toBeLessThanOrEqual(ML_LIMIT.perSecond + ML_LIMIT.burst);
  });
});
