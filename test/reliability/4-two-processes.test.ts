import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeVtex } from '../fakes/index.js';
import type { Served } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { duplicateCreates, expectNothingLost, seconds, waitForConvergence, waitForLedger } from './support/convergence.js';
import { PrivatePostgres } from '../support/private-postgres.js';
import { childDatabase, reliabilityConfig, serveChild, startVtex, writeConfig, type ChildDatabase } from './support/runtime.js';
import { budgetMs, recordFigures, SCALE } from './support/scale.js';
import { VtexSender } from './support/sender.js';
import { startTargets, type MarketplaceTarget } from './support/targets.js';

/** The marketplaces' limits, declared as the integrations' budgets too: shared by both processes. */
const ML_LIMIT = { perSecond: 100, burst: 20 };
const FEED_LIMIT = { default: { perSecond: 20, burst: 5 }, submitFeed: { perSecond: 5, burst: 2 } };

/**
 * Scenario 4 — two processes. The load is shared by two `connector serve` processes on one PostgreSQL; the
 * one receiving the webhooks is killed with SIGKILL midway (VTEX then reaches the other) and restarted.
 * Same guarantees as a single process — nothing lost, every SKU converged, nothing created twice — and the
 * two processes together never go past a marketplace's limit. Several processes need PostgreSQL: on the
 * embedded-database CI pass the test starts a PostgreSQL instance of its own.
 */
describe(`two runtime processes, one killed and restarted midway (${SCALE.skus} SKUs)`, () => {
  const N = SCALE.skus;
  let pg: PrivatePostgres | undefined;
  let vtex: FakeVtex;
  let targets: MarketplaceTarget[];
  let config: ReturnType<typeof writeConfig>;
  let db: ChildDatabase;
  const children: Served[] = [];

  beforeAll(async () => {
    if (!process.env.DATABASE_URL) pg = await PrivatePostgres.start();
    vtex = await startVtex('twostore', N);
    targets = await startTargets({
      mercadolivre: { rateLimit: ML_LIMIT, limits: { rate: { default: ML_LIMIT }, concurrency: 8 } },
      feedmarket: {
        rateLimit: { perSecond: FEED_LIMIT.default.perSecond + FEED_LIMIT.submitFeed.perSecond, burst: FEED_LIMIT.default.burst + FEED_LIMIT.submitFeed.burst },
        limits: { rate: FEED_LIMIT, batch: { maxItems: 250, maxWaitMs: 300 } },
      },
    });
    config = writeConfig(reliabilityConfig(vtex, targets));
    db = await childDatabase(config.dir, pg?.url ?? process.env.DATABASE_URL);
  });
  afterAll(async () => {
    for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await db?.cleanup();
    for (const t of targets ?? []) await t.close();
    await vtex?.close();
    config?.remove();
    await pg?.destroy();
  });

  it('share the load and the budgets; the kill loses nothing and creates nothing twice', { timeout: budgetMs(330_000, 150) }, async () => {
    const item = targets.find((t) => t.kind === 'item')!;
    const delivered = () => vtex.listSkus().filter((s) => item.remote(String(s.id))).length;
    const [a, b] = await Promise.all([serveChild(config.file, db), serveChild(config.file, db)]);
    children.push(a!, b!);
    const started = performance.now();
    const sender = new VtexSender(vtex, a!.address);
    const ids = vtex.listSkus().map((s) => s.id);
    const load = sender.send(ids);

    await waitFor(() => delivered() >= N / 2, { timeoutMs: budgetMs(60_000, 100), intervalMs: 100, describe: () => `${delivered()}/${N} delivered\n${a!.output().slice(-2000)}` });
    a!.child.kill('SIGKILL');
    expect(await a!.exited).toBe('SIGKILL');
    const atKill = { delivered: delivered(), acknowledged: sender.acknowledged.length, seconds: seconds(performance.now() - started) };
    expect(atKill.delivered).toBeLessThan(N);
    // VTEX reaches the process still up; a third of the catalog changes meanwhile.
    sender.baseUrl = b!.address;
    const changed = ids.filter((id) => id % 3 === 2);
    for (const id of changed) vtex.updateSku(id, { stock: vtex.getSku(id)!.stock + 11 });
    const changes = sender.send(changed, { StockModified: true });

    const restarted = await serveChild(config.file, db);
    children.push(restarted);
    sender.baseUrl = restarted.address;
    await Promise.all([load, changes]);

    // Room for the dead process's jobs to be taken back (heartbeat 30 s, checked every 15 s) on a loaded machine.
    const convergence = await waitForConvergence(vtex, targets, { timeoutMs: budgetMs(210_000, 100) });
    const ledger = await waitForLedger(await db.open(), sender.acknowledged);
    for (const c of [b!, restarted]) {
      c.child.kill('SIGTERM');
      expect(await c.exited, c.output().slice(-2000)).toBe(0);
    }
    const duplicates = duplicateCreates(targets);
    const limits = Object.fromEntries(targets.map((t) => [t.id, { maxArrivalsPerSecond: t.faults.stats.maxArrivalsPerSecond, organicRateLimited: t.organicRateLimited(), arrivals: t.faults.stats.arrivals }]));
    recordFigures('4-two-processes', {
      skus: N,
      marketplaces: targets.map((t) => t.id),
      limitsDeclared: { mercadolivre: ML_LIMIT, feedmarket: FEED_LIMIT },
      limitsSeen: limits,
      atKill,
      notifications: { acknowledged: ledger.acknowledged, lost: ledger.lost.length, refreshed: ledger.refreshed, unanswered: sender.unanswered },
      skusWrong: convergence.mismatches,
      duplicateCreates: duplicates.length,
      secondsTotal: seconds(performance.now() - started),
    });
    expectNothingLost(ledger, duplicates);
    expect(item.createsBySku().size).toBe(N);
    // One budget for both processes: the marketplaces never had to refuse a request for its rate.
    for (const t of targets) expect(t.organicRateLimited(), t.id).toBe(0);
    expect(item.faults.stats.maxArrivalsPerSecond).toBeLessThanOrEqual(ML_LIMIT.perSecond + ML_LIMIT.burst);
  });
});
