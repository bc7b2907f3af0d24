import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeVtex } from '../fakes/index.js';
import type { Served } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { duplicateCreates, expectNothingLost, notificationLedger, seconds, waitForConvergence } from './support/convergence.js';
import { childDatabase, reliabilityConfig, serveChild, startVtex, writeConfig, type ChildDatabase } from './support/runtime.js';
import { budgetMs, recordFigures, SCALE } from './support/scale.js';
import { VtexSender } from './support/sender.js';
import { startTargets, type MarketplaceTarget } from './support/targets.js';

/**
 * Scenario 1 — crash. A runtime process (webhook and workers) is killed with SIGKILL in the middle of the
 * load, while notifications keep coming (VTEX sends them again until acknowledged) and VTEX changes a third
 * of the SKUs; a new process starts on the same database. Nothing acknowledged is lost, every SKU ends as
 * VTEX says on every marketplace, and no item is created twice.
 */
describe(`crash: kill -9 of the runtime in the middle of a ${SCALE.skus}-SKU load`, () => {
  const N = SCALE.skus;
  let vtex: FakeVtex;
  let targets: MarketplaceTarget[];
  let config: ReturnType<typeof writeConfig>;
  let db: ChildDatabase;
  const children: Served[] = [];

  beforeAll(async () => {
    vtex = await startVtex('crashstore', N);
    targets = await startTargets();
    config = writeConfig(reliabilityConfig(vtex, targets));
    db = await childDatabase(config.dir);
  });
  afterAll(async () => {
    for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await db?.cleanup();
    for (const t of targets ?? []) await t.close();
    await vtex?.close();
    config?.remove();
  });

  it('loses no notification, converges every SKU and creates nothing twice', { timeout: budgetMs(240_000, 150) }, async () => {
    const item = targets.find((t) => t.kind === 'item')!;
    const delivered = () => vtex.listSkus().filter((s) => item.remote(String(s.id))).length;
    const started = performance.now();

    const first = await serveChild(config.file, db);
    children.push(first);
    const sender = new VtexSender(vtex, first.address);
    const ids = vtex.listSkus().map((s) => s.id);
    const load = sender.send(ids);

    // Mid-load: half the catalog on the item marketplace, the rest still on its way.
    await waitFor(() => delivered() >= N / 2, { timeoutMs: budgetMs(60_000, 100), intervalMs: 100, describe: () => `${delivered()}/${N} delivered\n${first.output().slice(-2000)}` });
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    const atKill = { delivered: delivered(), acknowledged: sender.acknowledged.length, seconds: seconds(performance.now() - started) };
    expect(atKill.delivered).toBeLessThan(N);

    // While no process runs, VTEX changes a third of the catalog and notifies (refused until a process is back).
    const changed = ids.filter((id) => id % 3 === 0);
    for (const id of changed) {
      const sku = vtex.getSku(id)!;
      vtex.updateSku(id, { stock: sku.stock + 7, price: sku.price + 100, sellingPrice: (sku.sellingPrice ?? sku.price) + 100 });
    }
    const changes = sender.send(changed, { StockModified: true, PriceModified: true });

    const second = await serveChild(config.file, db);
    children.push(second);
    const restartedAt = performance.now();
    sender.baseUrl = second.address;
    await Promise.all([load, changes]);

    const convergence = await waitForConvergence(vtex, targets, { timeoutMs: budgetMs(120_000, 100) });
    const secondsAfterRestart = seconds(performance.now() - restartedAt);
    second.child.kill('SIGTERM');
    expect(await second.exited, second.output().slice(-2000)).toBe(0);

    const ledger = await notificationLedger(await db.open(), sender.acknowledged);
    const duplicates = duplicateCreates(targets);
    recordFigures('1-crash', {
      skus: N,
      marketplaces: targets.map((t) => t.id),
      atKill,
      notifications: { acknowledged: ledger.acknowledged, lost: ledger.lost.length, refreshed: ledger.refreshed, refusedWhileDown: Object.fromEntries(sender.refused), unanswered: sender.unanswered },
      skusWrong: convergence.mismatches,
      duplicateCreates: duplicates.length,
      secondsAfterRestart,
      secondsTotal: seconds(performance.now() - started),
    });
    // The database is read once the last process has stopped (PGlite is one process's): what was stored
    // counts; a refresh still pending then would run at the next start.
    expectNothingLost(ledger, duplicates, { refreshed: false });
    expect(item.createsBySku().size).toBe(N);
  });
});
