import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32, type FakeVtex, type NotificationFlags } from '../fakes/index.js';
import { duplicateCreates, expectNothingLost, seconds, waitForConvergence, waitForLedger } from './support/convergence.js';
import { reliabilityConfig, startInProcess, startVtex, type InProcess } from './support/runtime.js';
import { budgetMs, recordFigures, SCALE } from './support/scale.js';
import { VtexSender } from './support/sender.js';
import { startTargets, type MarketplaceTarget } from './support/targets.js';

const ROUNDS = 4;
const SEED = 7;

/**
 * Scenario 7 — out-of-order and duplicate notifications. Round after round, VTEX changes part of the
 * catalog (price, stock, a SKU deactivated or reactivated), each change with the notification VTEX would
 * send for it; the notifications are then delivered shuffled, some several times, some from earlier rounds
 * replayed after newer ones (byte for byte, same Version and DateModified), and VTEX keeps changing SKUs
 * while they arrive. Whatever the order, the final state on every marketplace equals VTEX's.
 */
describe(`out-of-order and duplicate notifications (${SCALE.skus} SKUs, ${ROUNDS} rounds)`, () => {
  const N = SCALE.skus;
  let vtex: FakeVtex;
  let targets: MarketplaceTarget[];
  let stack: InProcess;
  let withdrawals = false;
  const random = mulberry32(SEED);
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;

  beforeAll(async () => {
    vtex = await startVtex('orderstore', N);
    targets = await startTargets();
    stack = await startInProcess(reliabilityConfig(vtex, targets));
    // SKUs deactivated and reactivated in VTEX, when every marketplace can take a withdrawal (see
    // MarketplaceTarget.withdrawals).
    withdrawals = targets.every((t) => t.withdrawals);
  });
  afterAll(async () => {
    await stack?.close();
    for (const t of targets ?? []) await t.close();
    await vtex?.close();
  });

  /** Changes one SKU in VTEX and returns the notification VTEX sends for that change. */
  function change(id: number): Record<string, unknown> {
    const sku = vtex.getSku(id)!;
    const kind = pick(withdrawals ? ['price', 'stock', 'both', 'both', 'active'] : ['price', 'stock', 'both']);
    let flags: Partial<NotificationFlags>;
    if (kind === 'price') {
      const delta = 10 * (1 + Math.floor(random() * 50));
      vtex.updateSku(id, { price: sku.price + delta, sellingPrice: (sku.sellingPrice ?? sku.price) + delta });
      flags = { PriceModified: true };
    } else if (kind === 'stock') {
      vtex.updateSku(id, { stock: Math.floor(random() * 40) });
      flags = { StockModified: true };
    } else if (kind === 'both') {
      vtex.updateSku(id, { stock: Math.floor(random() * 40), price: sku.price + 7, sellingPrice: (sku.sellingPrice ?? sku.price) + 7 });
      flags = { StockModified: true, PriceModified: true };
    } else {
      vtex.updateSku(id, { isActive: !sku.isActive });
      flags = { HasStockKeepingUnitModified: true };
    }
    return vtex.notificationPayload(id, flags);
  }

  /** Fisher–Yates with the seeded generator. */
  function shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  }

  it('ends with every marketplace equal to VTEX, whatever the order and the repeats', { timeout: budgetMs(240_000, 200) }, async () => {
    const started = performance.now();
    const sender = new VtexSender(vtex, stack.baseUrl);
    const ids = vtex.listSkus().map((s) => s.id);
    await sender.send(ids);
    const history: Record<string, unknown>[] = [];
    let sent = 0;
    let replays = 0;
    for (let round = 0; round < ROUNDS; round++) {
      // Half the catalog changes, some SKUs two or three times in the round.
      const batch: Record<string, unknown>[] = [];
      for (const id of ids) if (random() < 0.5) for (let k = 1 + Math.floor(random() * 3); k > 0; k--) batch.push(change(id));
      // Repeats of this round's notifications, and older ones (earlier rounds) delivered after newer ones.
      const repeats = [...batch.filter(() => random() < 0.3), ...history.filter(() => random() < 0.1)];
      replays += repeats.length;
      history.push(...batch);
      const deliveries = shuffle([...batch, ...repeats]);
      // VTEX keeps changing SKUs while the notifications arrive: the first half goes, a few SKUs change
      // (their notifications join the second half), then the rest goes.
      const half = Math.floor(deliveries.length / 2);
      await sender.sendPayloads(deliveries.slice(0, half));
      const midway = ids.filter(() => random() < 0.05).map((id) => change(id));
      history.push(...midway);
      await sender.sendPayloads(shuffle([...deliveries.slice(half), ...midway]));
      sent += deliveries.length + midway.length;
    }

    const convergence = await waitForConvergence(vtex, targets, { timeoutMs: budgetMs(120_000, 200) });
    const ledger = await waitForLedger(stack.runtime.db, sender.acknowledged);
    const duplicates = duplicateCreates(targets);
    const inactive = vtex.listSkus().filter((s) => !s.isActive).length;
    recordFigures('7-out-of-order', {
      skus: N,
      marketplaces: targets.map((t) => t.id),
      rounds: ROUNDS,
      notifications: { sent: sent + N, replays, acknowledged: ledger.acknowledged, lost: ledger.lost.length },
      withdrawals,
      inactiveAtEnd: inactive,
      skusWrong: convergence.mismatches,
      duplicateCreates: duplicates.length,
      secondsToConverge: convergence.secondsToConverge,
      secondsTotal: seconds(performance.now() - started),
    });
    expectNothingLost(ledger, duplicates);
    // The rounds did deactivate SKUs, so withdrawals were part of what converged.
    if (withdrawals) expect(inactive).toBeGreaterThan(0);
  });
});
