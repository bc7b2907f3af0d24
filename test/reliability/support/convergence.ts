import { expect } from 'vitest';
import type { Queryable } from '@connector/core';
import type { CatalogSku, FakeVtex } from '../../fakes/index.js';
import { waitFor } from '../../support/wait.js';
import type { MarketplaceTarget, RemoteOffer } from './targets.js';

/**
 * The one convergence check every reliability scenario ends with: for every SKU of the fake VTEX and every
 * marketplace, what the fake marketplace holds must be what VTEX says now — price and stock of a sellable
 * SKU, nothing sellable for one that is not.
 */
export interface Mismatch {
  marketplace: string;
  skuId: string;
  /** undefined: the marketplace must hold nothing sellable (no offer, or quantity 0). */
  expected: RemoteOffer | undefined;
  found: RemoteOffer | undefined;
}

export interface ConvergenceOptions {
  /** SKUs a marketplace is expected to refuse for good (their state is checked apart): left out here. */
  exclude?: (marketplace: string, skuId: string) => boolean;
  timeoutMs?: number;
}

export interface ConvergenceReport {
  skus: number;
  marketplaces: string[];
  /** SKU × marketplace pairs compared. */
  compared: number;
  mismatches: number;
  /** From the call until every pair matched. */
  secondsToConverge: number;
}

/** Sellable in the store's trade policy (1): the marketplace must then hold its price and stock. */
export function sellable(sku: CatalogSku): boolean {
  return sku.isActive && sku.isProductActive && sku.inSimulation !== false && sku.salesChannels.includes(1);
}

/** What a marketplace must hold for the SKU: its selling price as a decimal and its stock; undefined when not sellable. */
export function expectedOffer(sku: CatalogSku): RemoteOffer | undefined {
  return sellable(sku) ? { price: (sku.sellingPrice ?? sku.price) / 100, quantity: sku.stock } : undefined;
}

export function mismatches(vtex: FakeVtex, targets: MarketplaceTarget[], options: ConvergenceOptions = {}): Mismatch[] {
  const out: Mismatch[] = [];
  for (const sku of vtex.listSkus()) {
    const skuId = String(sku.id);
    const expected = expectedOffer(sku);
    for (const target of targets) {
      if (options.exclude?.(target.id, skuId)) continue;
      const found = target.remote(skuId);
      const ok = expected ? found?.price === expected.price && found.quantity === expected.quantity : !found || found.quantity === 0;
      if (!ok) out.push({ marketplace: target.id, skuId, expected, found });
    }
  }
  return out;
}

/** Waits until every SKU matches on every marketplace; fails listing the first mismatches (and how many). */
export async function waitForConvergence(vtex: FakeVtex, targets: MarketplaceTarget[], options: ConvergenceOptions = {}): Promise<ConvergenceReport> {
  const started = performance.now();
  await waitFor(() => mismatches(vtex, targets, options).length === 0, {
    timeoutMs: options.timeoutMs ?? 120_000,
    intervalMs: 250,
    describe: () => {
      const wrong = mismatches(vtex, targets, options);
      const byMarketplace = Object.fromEntries(targets.map((t) => [t.id, wrong.filter((m) => m.marketplace === t.id).length]));
      return `${wrong.length} SKU×marketplace pairs differ from VTEX ${JSON.stringify(byMarketplace)}; first: ${JSON.stringify(wrong.slice(0, 5))}`;
    },
  });
  const skus = vtex.listSkus().length;
  let compared = 0;
  for (const target of targets) for (const sku of vtex.listSkus()) if (!options.exclude?.(target.id, String(sku.id))) compared++;
  return { skus, marketplaces: targets.map((t) => t.id), compared, mismatches: 0, secondsToConverge: seconds(performance.now() - started) };
}

/** Seller SKUs created more than once on an item marketplace. */
export function duplicateCreates(targets: MarketplaceTarget[]): Array<{ marketplace: string; skuId: string; creates: number }> {
  return targets.flatMap((t) => [...t.createsBySku()].filter(([, n]) => n > 1).map(([skuId, creates]) => ({ marketplace: t.id, skuId, creates })));
}

export interface LedgerReport {
  /** Notifications the webhook acknowledged (2xx) to the sender. */
  acknowledged: number;
  /** Of those, rows found in the inbox, and rows a SKU refresh has consumed. */
  stored: number;
  refreshed: number;
  /** Request ids acknowledged but not in the inbox: lost notifications. */
  lost: string[];
}

/** Every acknowledged notification must be in the inbox, and consumed by a refresh of its SKU. */
export async function notificationLedger(db: Queryable, acknowledged: string[]): Promise<LedgerReport> {
  const rows = await db.query<{ request_id: string; refreshed: boolean }>(
    'select request_id, refreshed_at is not null as refreshed from notifications where request_id = any($1::text[])',
    [acknowledged],
  );
  const stored = new Set(rows.map((r) => r.request_id));
  return {
    acknowledged: acknowledged.length,
    stored: stored.size,
    refreshed: rows.filter((r) => r.refreshed).length,
    lost: acknowledged.filter((id) => !stored.has(id)),
  };
}

/** Waits until every acknowledged notification has been consumed by a refresh, then reports. */
export async function waitForLedger(db: Queryable, acknowledged: string[], timeoutMs = 60_000): Promise<LedgerReport> {
  let report: LedgerReport | undefined;
  await waitFor(async () => (report = await notificationLedger(db, acknowledged)).refreshed === report.acknowledged || report.lost.length > 0, {
    timeoutMs,
    describe: () => JSON.stringify({ ...report, lost: report?.lost.slice(0, 10) }),
  });
  return report!;
}

export const seconds = (ms: number) => Math.round(ms / 100) / 10;

/**
 * The guarantees every scenario ends on: no acknowledged notification lost (and, unless the database could
 * not be watched to the end, every one consumed by a refresh) and no item created twice.
 */
export function expectNothingLost(ledger: LedgerReport, duplicates: ReturnType<typeof duplicateCreates>, options: { refreshed?: boolean } = {}): void {
  expect(ledger.lost, 'acknowledged notifications missing from the inbox').toEqual([]);
  expect(ledger.stored).toBe(ledger.acknowledged);
  if (options.refreshed ?? true) expect(ledger.refreshed, 'acknowledged notifications no refresh consumed').toBe(ledger.acknowledged);
  expect(duplicates, 'items created twice').toEqual([]);
}
