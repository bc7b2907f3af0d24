import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeMercadoLivre, FakeVtex } from '../fakes/index.js';
import { waitFor } from '../support/wait.js';
import { expectedOffer, seconds, waitForConvergence, waitForLedger } from './support/convergence.js';
import { reliabilityConfig, startInProcess, startVtex, type InProcess } from './support/runtime.js';
import { budgetMs, recordFigures, SCALE } from './support/scale.js';
import { VtexSender } from './support/sender.js';
import { chaosItem, mercadoLivre, type MarketplaceTarget } from './support/targets.js';

const FAULTS = ['throw', 'hang', 'oom'] as const;
/** Mercado Livre takes its time to answer: delivery, not this machine's spare CPU, sets the healthy pace. */
const MARKETPLACE_LATENCY_MS = 100;

/**
 * Scenario 6 — faulty plugin. One store delivers to Mercado Livre (healthy) and to a second marketplace
 * through a plugin that, mid-load, throws an uncaught exception, hangs or exhausts its memory
 * (test/fixtures/plugins/chaos-item). Rounds alternate a baseline (the other plugin healthy) and a fault;
 * in each, every SKU is re-priced and Mercado Livre's throughput is measured until it holds every new
 * price. The healthy throughput with a faulty neighbour stays within 10 % of the baseline (medians), and the
 * faulty marketplace's SKUs converge once its plugin is repaired (new settings: the fixed version) and
 * released from quarantine. A throughput comparison: it runs alone (SOLO in vitest.config.ts).
 */
describe(`faulty plugin next to a healthy one (${SCALE.pluginSkus} SKUs, ${FAULTS.join(' / ')})`, () => {
  const N = SCALE.pluginSkus;
  let vtex: FakeVtex;
  let healthy: MarketplaceTarget & { fake: FakeMercadoLivre };
  let faulty: MarketplaceTarget & { fake: FakeMercadoLivre };
  let stack: InProcess;
  let settings: Record<string, unknown>;

  beforeAll(async () => {
    vtex = await startVtex('pluginstore', N);
    healthy = await mercadoLivre({ limits: { rate: { default: { perSecond: 1000, burst: 100 } }, concurrency: 4 } });
    faulty = await chaosItem({ limits: { rate: { default: { perSecond: 1000, burst: 100 } }, concurrency: 4 } }, { fault: 'none' });
    const raw = reliabilityConfig(vtex, [healthy, faulty]);
    settings = (raw.stores[0]!.integrations[1] as { settings: Record<string, unknown> }).settings;
    stack = await startInProcess(raw, { pluginHost: { limits: { ackTimeoutMs: 1_000, memoryLimitMb: 32, crashBudget: { max: 3, windowMs: 120_000 } } } });
  });
  afterAll(async () => {
    await stack?.close();
    await healthy?.close();
    await faulty?.close();
    await vtex?.close();
  });

  /** Re-prices every SKU in VTEX and notifies; resolves with Mercado Livre's updates per second until it holds them all. */
  async function repriceRound(sender: VtexSender): Promise<number> {
    const ids = vtex.listSkus().map((s) => s.id);
    for (const id of ids) {
      const sku = vtex.getSku(id)!;
      vtex.updateSku(id, { price: sku.price + 10, sellingPrice: (sku.sellingPrice ?? sku.price) + 10 });
    }
    const started = performance.now();
    await sender.send(ids, { PriceModified: true }, { concurrency: 8 });
    const behind = () => vtex.listSkus().filter((s) => healthy.remote(String(s.id))?.price !== expectedOffer(s)!.price).length;
    // A measurement of how long Mercado Livre takes to hold every new price, polled finely.
    await waitFor(() => behind() === 0, { timeoutMs: budgetMs(60_000, 200, N), intervalMs: 20, describe: () => `${behind()} SKUs behind on Mercado Livre` });
    return N / ((performance.now() - started) / 1000);
  }

  it('keeps the healthy marketplace within 10 % of its throughput, and converges the faulty one once repaired', { timeout: budgetMs(300_000, 1_500, N) }, async () => {
    const started = performance.now();
    const sender = new VtexSender(vtex, stack.baseUrl);
    await sender.send(vtex.listSkus().map((s) => s.id));
    await waitForConvergence(vtex, [healthy, faulty], { timeoutMs: budgetMs(60_000, 200, N) });
    healthy.fake.faults.delayMs = MARKETPLACE_LATENCY_MS;

    const rounds: Array<{ fault: string; baseline: number; faulty: number; quarantined: boolean; faultyConvergedSeconds: number }> = [];
    for (const fault of FAULTS) {
      const baseline = await repriceRound(sender);
      await waitForConvergence(vtex, [faulty], { timeoutMs: budgetMs(60_000, 200, N) });

      // The faulty version: its fault starts after a few calls in each host it gets.
      await stack.runtime.updateIntegrationSettings(vtex.account, 'fixture-chaos', { ...settings, fault, faultAfterCalls: Math.max(2, Math.floor(N / 20)) });
      const withFault = await repriceRound(sender);
      // Past its crash budget it is quarantined: its integration paused, its jobs waiting.
      await waitFor(() => stack.runtime.plugins.isPaused(vtex.account, 'fixture-chaos'), { timeoutMs: 60_000, describe: () => JSON.stringify(stack.runtime.plugins.status().find((p) => p.marketplace === 'fixture-chaos')) });

      // Repaired (the fixed version's settings) and released: everything it missed goes through.
      const repairedAt = performance.now();
      await stack.runtime.updateIntegrationSettings(vtex.account, 'fixture-chaos', { ...settings, fault: 'none' });
      await stack.runtime.plugins.release('fixture-chaos');
      await waitForConvergence(vtex, [healthy, faulty], { timeoutMs: budgetMs(90_000, 300, N) });
      rounds.push({ fault, baseline, faulty: withFault, quarantined: true, faultyConvergedSeconds: seconds(performance.now() - repairedAt) });
    }

    const ledger = await waitForLedger(stack.runtime.db, sender.acknowledged);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const baselineMedian = median(rounds.map((r) => r.baseline));
    const faultyMedian = median(rounds.map((r) => r.faulty));
    const round2 = (x: number) => Math.round(x * 10) / 10;
    recordFigures('6-faulty-plugin', {
      skus: N,
      marketplaceLatencyMs: MARKETPLACE_LATENCY_MS,
      rounds: rounds.map((r) => ({ ...r, baseline: round2(r.baseline), faulty: round2(r.faulty) })),
      healthyUpdatesPerSecond: { baselineMedian: round2(baselineMedian), withFaultyPluginMedian: round2(faultyMedian), ratio: Math.round((faultyMedian / baselineMedian) * 1000) / 1000 },
      notifications: { acknowledged: ledger.acknowledged, lost: ledger.lost.length },
      faultyCreatesTwice: [...faulty.createsBySku()].filter(([, n]) => n > 1).length,
      secondsTotal: seconds(performance.now() - started),
    });
    expect(ledger.lost).toEqual([]);
    expect(faultyMedian, JSON.stringify(rounds)).toBeGreaterThanOrEqual(0.9 * baselineMedian);
    expect([...faulty.createsBySku()].filter(([, n]) => n > 1)).toEqual([]);
  });
});
