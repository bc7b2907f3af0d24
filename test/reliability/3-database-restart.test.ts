import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@connector/core';
import type { FakeVtex } from '../fakes/index.js';
import type { Served } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { duplicateCreates, expectNothingLost, seconds, waitForConvergence, waitForLedger } from './support/convergence.js';
import { PrivatePostgres } from '../support/private-postgres.js';
import { openPostgres, reliabilityConfig, serveChild, startVtex, writeConfig } from './support/runtime.js';
import { budgetMs, recordFigures, SCALE } from './support/scale.js';
import { VtexSender } from './support/sender.js';
import { startTargets, type MarketplaceTarget } from './support/targets.js';

/**
 * Scenario 3 — database restart. A runtime process on a PostgreSQL instance of this test's own (never the
 * shared one) sees its database crash mid-load (immediate shutdown: every connection dropped, WAL recovery
 * on start) and come back. With no operator action: /ready answers 503 while the database is down and 200
 * again after, /health stays 200 (the process is not restarted), notifications refused meanwhile are sent
 * again by VTEX, and every SKU converges with nothing lost. Runs the same on both CI passes.
 */
/** How long the database stays down. */
const OUTAGE_MS = 8_000;

describe(`database restart in the middle of a ${SCALE.skus}-SKU load`, () => {
  const N = SCALE.skus;
  let pg: PrivatePostgres;
  let vtex: FakeVtex;
  let targets: MarketplaceTarget[];
  let config: ReturnType<typeof writeConfig>;
  let server: Served | undefined;
  let db: Database | undefined;

  beforeAll(async () => {
    pg = await PrivatePostgres.start();
    vtex = await startVtex('restartstore', N);
    targets = await startTargets();
    config = writeConfig(reliabilityConfig(vtex, targets));
  });
  afterAll(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    await db?.close();
    for (const t of targets ?? []) await t.close();
    await vtex?.close();
    config?.remove();
    await pg?.destroy();
  });

  const status = async (path: string) => {
    try {
      return (await fetch(`${server!.address}${path}`, { signal: AbortSignal.timeout(5_000) })).status;
    } catch {
      return 0;
    }
  };

  it('recovers by itself: ready false while the database is down, true after, nothing lost', { timeout: budgetMs(240_000, 150) }, async () => {
    server = await serveChild(config.file, { env: { DATABASE_URL: pg.url }, args: [], open: async () => openPostgres(pg.url), cleanup: async () => undefined });
    expect(await status('/ready')).toBe(200);
    const item = targets.find((t) => t.kind === 'item')!;
    const delivered = () => vtex.listSkus().filter((s) => item.remote(String(s.id))).length;
    const started = performance.now();
    const sender = new VtexSender(vtex, server.address);
    const ids = vtex.listSkus().map((s) => s.id);
    const load = sender.send(ids);

    await waitFor(() => delivered() >= N / 3, { timeoutMs: budgetMs(60_000, 100), intervalMs: 100, describe: () => `${delivered()}/${N} delivered\n${server!.output().slice(-2000)}` });
    await pg.stopServer('immediate');
    const downAt = performance.now();
    // Readiness turns false; liveness stays true (the process must not be restarted for this).
    await waitFor(async () => (await status('/ready')) === 503, { timeoutMs: 30_000, describe: () => server!.output().slice(-2000) });
    const readyFalseAfter = seconds(performance.now() - downAt);
    expect(await status('/health')).toBe(200);

    // While the database is down VTEX keeps changing things and notifying: refused (503), sent again later.
    const changed = ids.filter((id) => id % 3 === 0);
    for (const id of changed) vtex.updateSku(id, { stock: vtex.getSku(id)!.stock + 5 });
    const changes = sender.send(changed, { StockModified: true });
    await waitFor(() => (sender.refused.get(503) ?? 0) > 0, { timeoutMs: 30_000, describe: () => JSON.stringify(Object.fromEntries(sender.refused)) });
    const deliveredWhileDown = delivered();
    // The outage lasts OUTAGE_MS in all (the scenario's shape, not a wait for a condition): long enough for
    // every worker, the dispatcher and pg-boss's maintenance to hit the dead connections.
    await sleep(Math.max(0, OUTAGE_MS - (performance.now() - downAt)));

    await pg.startServer();
    const upAt = performance.now();
    await waitFor(async () => (await status('/ready')) === 200, { timeoutMs: 60_000, describe: () => server!.output().slice(-3000) });
    const readyAgainAfter = seconds(performance.now() - upAt);
    await Promise.all([load, changes]);

    const convergence = await waitForConvergence(vtex, targets, { timeoutMs: budgetMs(120_000, 100) });
    db = openPostgres(pg.url);
    const ledger = await waitForLedger(db, sender.acknowledged);
    const duplicates = duplicateCreates(targets);
    expect(server.child.exitCode, 'the runtime process never exited').toBeNull();
    server.child.kill('SIGTERM');
    expect(await server.exited, server.output().slice(-2000)).toBe(0);

    recordFigures('3-database-restart', {
      skus: N,
      marketplaces: targets.map((t) => t.id),
      outageSeconds: seconds(upAt - downAt),
      readyFalseAfterSeconds: readyFalseAfter,
      readyAgainAfterSeconds: readyAgainAfter,
      deliveredBeforeOutage: deliveredWhileDown,
      notifications: { acknowledged: ledger.acknowledged, lost: ledger.lost.length, refreshed: ledger.refreshed, refusedWhileDown: Object.fromEntries(sender.refused), unanswered: sender.unanswered },
      skusWrong: convergence.mismatches,
      duplicateCreates: duplicates.length,
      secondsTotal: seconds(performance.now() - started),
    });
    expectNothingLost(ledger, duplicates);
    // Only refusals a client can act on: 503 while the database was down, nothing else.
    expect([...sender.refused.keys()]).toEqual([503]);
  });
});
