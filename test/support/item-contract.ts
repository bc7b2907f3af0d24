/**
 * The contract every per-item marketplace plugin is held to, run end to end against its fake: fake VTEX →
 * webhook → pipeline → the plugin (in its extension host) → the marketplace's fake. Written once and
 * parameterised per marketplace by an `ItemContract` adapter that knows how to read the fake.
 *
 * One stack per file: 1,000 SKUs first (they must reach the fake with the right values), then on the same
 * stack create, stock update, price update, nothing sent for an unchanged SKU, deactivation and reactivation, a field the marketplace refuses
 * (E3 with its message), 429s waited out, 5xx and a timeout retried, expired credentials (refreshed, or —
 * for static tokens — a pause until new settings resume it), and a drift found by reconciliation
 * (fetchRemoteState) and repaired. Plugin-specific cases go in `extra`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationLogMessage, SkuState } from '@connector/core';
import type { CatalogSku, FaultControls } from '../fakes/index.js';
import { lastLogId, notifyOk, skuLogs, stateOf, waitForLog } from './pipeline.js';
import { CATEGORY_ID, notifyAll, startStack, type Stack } from './stack.js';
import { waitFor } from './wait.js';

/** What the marketplace holds for one VTEX SKU, in VTEX's units. */
export interface RemoteView {
  /** The selling price, integer cents. */
  price: number;
  stock: number;
  /** On sale (not deactivated). */
  active: boolean;
}

/** What the contract needs of every marketplace fake. */
export interface ItemFake {
  readonly url: string;
  readonly faults: FaultControls;
  readonly counters: { requests: number; rateLimited: number; unauthorized: number; creates: number };
  close(): Promise<void>;
}

export type ContractAuth<F> =
  /** OAuth: the access token expires; the plugin refreshes it on the 401 and the call goes through. */
  | { kind: 'refresh'; expire(fake: F): void; refreshes(fake: F): number }
  /** Static tokens: the marketplace revokes them; returns the settings with the new credentials. */
  | { kind: 'static'; revoke(fake: F, settings: Record<string, unknown>): Record<string, unknown> };

export interface ItemContract<F extends ItemFake> {
  /** The plugin's marketplace id (plugins/<id>). */
  marketplace: string;
  /** Starts the fake, fast: without a rate limit of its own (the 429 case forces them). */
  start(): Promise<F>;
  /** The integration (settings pointing at the fake, category mapping, policies); the harness adds fast limits. */
  integration(fake: F): Record<string, unknown>;
  /** Per generated SKU, what the seeded catalogue needs for this marketplace (e.g. a specification). */
  seed?(i: number): Partial<CatalogSku>;
  /** What the fake holds for this VTEX SKU, or undefined. */
  view(fake: F, skuId: string): RemoteView | undefined;
  /** Asserts that every field the fake holds for `sku` is what VTEX says, transformed as the manifest says. */
  expectHolds(fake: F, sku: CatalogSku): void;
  /** A change to a generated SKU that passes the plugin's rules but that the marketplace refuses, and the marketplace's words the seller must see. */
  rejected: { sku: Partial<CatalogSku>; message: RegExp };
  auth: ContractAuth<F>;
  /** Changes the stock on the marketplace behind the connector's back. */
  tamperStock(fake: F, skuId: string, stock: number): void;
  /** More cases for this marketplace, run after the contract's on the same stack. */
  extra?(ctx: () => ContractContext<F>): void;
}

export interface ContractContext<F> {
  stack: Stack;
  fake: F;
  marketplace: string;
  /** Adds `n` SKUs to the fake VTEX catalogue, as the contract seeds them. */
  seed(n: number, patch?: Partial<CatalogSku>): CatalogSku[];
  /** Changes a SKU in VTEX, notifies, and waits until the marketplace shows `until`. */
  change(sku: CatalogSku, patch: Partial<CatalogSku>, flags: Record<string, boolean>, until: (view: RemoteView | undefined) => boolean): Promise<CatalogSku>;
  /** Seeds one SKU, notifies, and waits for its S1 (created on the marketplace). */
  create(patch?: Partial<CatalogSku>): Promise<CatalogSku>;
  /** Waits until the SKU's state row is `synced`, and returns it. */
  syncedState(id: number | string): Promise<SkuState>;
  /** The integration's settings as configured. */
  settings: Record<string, unknown>;
}

export const CONTRACT_SKUS = Number(process.env.CONNECTOR_CONTRACT_SKUS ?? 1000);

const FAST = { perSecond: 1000, burst: 100 };

/** Limits high enough for the end-to-end load: every operation the manifest limits, lifted (fast fakes, lean CI). */
function fastLimits(marketplace: string) {
  const manifest = JSON.parse(readFileSync(join(import.meta.dirname, `../../plugins/${marketplace}/package.json`), 'utf8'));
  const declared = Object.keys(manifest.contributes.marketplace.limits?.rate ?? {});
  return { rate: Object.fromEntries([...new Set(['default', ...declared])].map((op) => [op, FAST])), batch: { maxItems: 50 }, concurrency: 8 };
}

export function itemContract<F extends ItemFake>(contract: ItemContract<F>): void {
  const mp = contract.marketplace;

  describe(`${mp}: the item-plugin contract, against its fake`, () => {
    let stack: Stack;
    let fake: F;
    let settings: Record<string, unknown>;
    let catalog: CatalogSku[] = [];
    const account = () => stack.vtex.account;

    const seed = (n: number, patch: Partial<CatalogSku> = {}) =>
      stack.vtex.seed(n, { categoryId: CATEGORY_ID, salesChannel: 1, make: (i) => ({ ...contract.seed?.(i), ...patch }) });
    const view = (id: number | string) => contract.view(fake, String(id));
    const describeView = (id: number | string) => () => JSON.stringify(view(id));
    const synced = async (id: number | string) => (await stateOf(stack, id, mp))?.status === 'synced';

    async function change(sku: CatalogSku, patch: Partial<CatalogSku>, flags: Record<string, boolean>, until: (v: RemoteView | undefined) => boolean) {
      const next = stack.vtex.updateSku(sku.id, patch);
      await notifyOk(stack, sku.id, flags);
      await waitFor(() => until(view(sku.id)), { timeoutMs: 60_000, describe: describeView(sku.id) });
      return next;
    }
    async function create(patch: Partial<CatalogSku> = {}) {
      const [sku] = seed(1, patch);
      await notifyOk(stack, sku!.id, { HasStockKeepingUnitModified: true });
      await waitForLog(stack, sku!.id, 'S1', 0, mp);
      return sku!;
    }
    const syncedState = (id: number | string) =>
      waitFor(async () => {
        const state = await stateOf(stack, id, mp);
        return state?.status === 'synced' ? state : undefined;
      });
    const sellingPrice = (s: CatalogSku) => s.sellingPrice ?? s.price;
    /** A SKU of the loaded catalogue no other case touched. */
    let next = 0;
    const fresh = () => {
      const sku = catalog[next++];
      if (!sku) throw new Error(`the contract needs more than ${catalog.length} SKUs (CONNECTOR_CONTRACT_SKUS)`);
      return sku;
    };

    beforeAll(async () => {
      fake = await contract.start();
      stack = await startStack({
        configure: (raw) => {
          const integration = { ...contract.integration(fake), limits: fastLimits(mp) };
          settings = integration.settings as Record<string, unknown>;
          raw.stores[0].integrations = [integration];
          raw.pipeline = { coalesce: { quietMs: 200, maxDelayMs: 2000 } };
        },
        delivery: { retry: { limit: 10, delaySeconds: 1, maxDelaySeconds: 4 }, authProbeSeconds: 3600 },
        pluginHost: { httpTimeoutMs: 2000 },
      });
    });
    afterAll(async () => {
      await stack?.close();
      await fake?.close();
    });

    it(`${CONTRACT_SKUS} SKUs from the fake VTEX reach ${mp} with the right values`, async () => {
      catalog = seed(CONTRACT_SKUS);
      const started = performance.now();
      await notifyAll(
        stack,
        catalog.map((s) => s.id),
      );
      const count = async () =>
        (await stack.runtime.db.query<{ status: string; n: number }>(`select status, count(*)::int as n from sku_state where store = $1 and marketplace = $2 group by status`, [account(), mp])).reduce(
          (acc, r) => ({ ...acc, [r.status]: r.n }),
          {} as Record<string, number>,
        );
      await waitFor(async () => (await count()).synced === CONTRACT_SKUS, { timeoutMs: 600_000, intervalMs: 250, describe: async () => JSON.stringify(await count()) });
      const seconds = (performance.now() - started) / 1000;
      // A figure for the report, not a target (targets live in bench/).
      console.info(JSON.stringify({ e2e: mp, skus: CONTRACT_SKUS, seconds: Math.round(seconds * 10) / 10, database: process.env.DATABASE_URL ? 'postgres' : 'pglite' }));

      for (const sku of catalog) contract.expectHolds(fake, sku);
      expect(fake.counters.creates).toBe(CONTRACT_SKUS);
      const [mappings] = await stack.runtime.db.query<{ n: number }>('select count(*)::int as n from id_mappings where store = $1 and marketplace = $2', [account(), mp]);
      expect(mappings!.n).toBe(CONTRACT_SKUS);
      expect(await stack.runtime.deadLetters.list()).toEqual([]);
    });

    it('creates a new SKU: S1 "Offer creation", the id mapping stored, every field as VTEX says', async () => {
      const sku = await create();
      expect((await skuLogs(stack, sku.id, mp)).find((m) => m.Code === 'S1')?.Operation).toBe('Offer creation');
      contract.expectHolds(fake, sku);
      const state = await syncedState(sku.id);
      expect(state.attempts).toBe(1);
      expect(await stack.runtime.state.idMapping(account(), mp, String(sku.id))).toBe(state.marketplaceId);
    });

    it('updates the stock', async () => {
      const sku = fresh();
      const creates = fake.counters.creates;
      const after = await change(sku, { stock: sku.stock + 7 }, { StockModified: true }, (v) => v?.stock === sku.stock + 7);
      await waitFor(() => synced(sku.id));
      expect(view(sku.id)).toMatchObject({ stock: after.stock, price: sellingPrice(sku), active: true });
      expect(fake.counters.creates).toBe(creates);
    });

    it('updates the price', async () => {
      const sku = fresh();
      const price = sellingPrice(sku) + 1_250;
      await change(sku, { price, sellingPrice: price, listPrice: Math.max(sku.listPrice, price) }, { PriceModified: true }, (v) => v?.price === price);
      await waitFor(() => synced(sku.id));
      expect(view(sku.id)).toMatchObject({ price, stock: sku.stock, active: true });
    });

    it('sends nothing for a notification whose SKU did not change', async () => {
      const sku = fresh();
      const requests = fake.counters.requests;
      const jobs = (queue: string) => stack.runtime.boss.findJobs(`${queue}.${account()}.${mp}`, { key: String(sku.id) });
      const [syncs, deliveries] = [(await jobs('marketplace-sync')).length, (await jobs('delivery')).length];
      await notifyOk(stack, sku.id, { StockModified: true });
      // Once the new marketplace-sync job has run, any delivery it decided on would exist.
      await waitFor(async () => {
        const sync = await jobs('marketplace-sync');
        return sync.length > syncs && sync.every((j) => j.state === 'completed');
      });
      expect(await jobs('delivery')).toHaveLength(deliveries);
      expect(fake.counters.requests).toBe(requests);
    });

    it('deactivates a SKU VTEX no longer sells (stock 0, off sale), and puts it back on sale', async () => {
      const sku = fresh();
      const before = await lastLogId(stack);
      await change(sku, { isActive: false }, { IsActive: false }, (v) => v?.active === false && v.stock === 0);
      await waitFor(async () => (await stateOf(stack, sku.id, mp))?.status === 'blocked');
      expect((await waitForLog(stack, sku.id, 'S1', before, mp)).Operation).toMatch(/deactivation/i);

      await change(sku, { isActive: true }, { IsActive: true, HasStockKeepingUnitModified: true }, (v) => v?.active === true && v.stock === sku.stock);
      await waitFor(() => synced(sku.id));
      expect(await stack.runtime.state.idMapping(account(), mp, String(sku.id))).toBeDefined();
    });

    it("turns the marketplace's refusal into E3 with its own message for the seller", async () => {
      const [sku] = seed(1, contract.rejected.sku);
      await notifyOk(stack, sku!.id, { HasStockKeepingUnitModified: true });
      const log: OperationLogMessage = await waitForLog(stack, sku!.id, 'E3', 0, mp);
      expect(log.BusinessMessage).toMatch(contract.rejected.message);
      const state = await stateOf(stack, sku!.id, mp);
      expect(state).toMatchObject({ status: 'failed', marketplaceId: null });
      expect(state!.fixes.map((f) => f.message).join(' ')).toMatch(contract.rejected.message);
      expect(view(sku!.id)?.active ?? false).toBe(false);
    });

    it('waits out 429s (Retry-After) within one attempt', async () => {
      const sku = fresh();
      const limited = fake.counters.rateLimited;
      fake.faults.rateLimitNext(3, 1);
      await change(sku, { stock: sku.stock + 3 }, { StockModified: true }, (v) => v?.stock === sku.stock + 3);
      expect(fake.counters.rateLimited).toBe(limited + 3);
      expect((await syncedState(sku.id)).attempts).toBe(1);
    });

    it('retries 5xx answers and a timeout, then delivers (nothing dead-lettered)', async () => {
      const sku = fresh();
      fake.faults.failNext(1, 503);
      const held = fake.faults.timeoutNext(1);
      await change(sku, { stock: sku.stock + 11 }, { StockModified: true }, (v) => v?.stock === sku.stock + 11);
      await held;
      expect((await syncedState(sku.id)).attempts).toBeGreaterThanOrEqual(2);
      expect(await stack.runtime.deadLetters.list()).toEqual([]);
    });

    const { auth } = contract;
    if (auth.kind === 'refresh') {
      it('refreshes an expired access token on the 401 and delivers, without pausing', async () => {
        const sku = fresh();
        const refreshes = auth.refreshes(fake);
        const refused = fake.counters.unauthorized;
        auth.expire(fake);
        const price = sellingPrice(sku) + 300;
        await change(sku, { price, sellingPrice: price, listPrice: Math.max(sku.listPrice, price) }, { PriceModified: true }, (v) => v?.price === price);
        expect(auth.refreshes(fake)).toBe(refreshes + 1);
        expect(fake.counters.unauthorized).toBeGreaterThan(refused);
        expect((await stack.runtime.contingency.status(account(), mp))[0]?.paused ?? false).toBe(false);
      });
    } else {
      it('pauses on a revoked token with a clear reason, keeps the work, and resumes it with new settings', async () => {
        const [a, b] = [fresh(), fresh()];
        const renewed = auth.revoke(fake, settings);
        const price = sellingPrice(a) + 400;
        stack.vtex.updateSku(a.id, { price, sellingPrice: price, listPrice: Math.max(a.listPrice, price) });
        await notifyOk(stack, a.id, { PriceModified: true });
        const pause = async () => (await stack.runtime.contingency.status(account(), mp))[0];
        await waitFor(async () => (await pause())?.paused === true, { timeoutMs: 60_000 });
        expect((await pause())!.reason).toMatch(/refused our credentials.*Update the integration's settings/);
        // Work that arrives while paused waits too.
        stack.vtex.updateSku(b.id, { stock: b.stock + 5 });
        await notifyOk(stack, b.id, { StockModified: true });
        await waitFor(async () => (await stateOf(stack, b.id, mp))?.status === 'pending');
        expect(view(a.id)?.price).toBe(sellingPrice(a));

        await stack.runtime.updateIntegrationSettings(account(), mp, renewed);
        await waitFor(() => view(a.id)?.price === price && view(b.id)?.stock === b.stock + 5, { timeoutMs: 60_000, describe: () => `${describeView(a.id)()} ${describeView(b.id)()}` });
        await waitFor(async () => (await synced(a.id)) && (await synced(b.id)));
        expect((await pause())!.paused).toBe(false);
        settings = renewed;
      });
    }

    it('reads the remote state back: a stock changed on the marketplace is found as drift and repaired', async () => {
      const sku = fresh();
      contract.tamperStock(fake, String(sku.id), sku.stock + 500);
      const run = await stack.runtime.reconciler.runOnce(account(), mp, { scope: 'full' });
      expect(run.status).toBe('done');
      const drifts = await stack.runtime.reconciler.drifts({ runId: run.id });
      expect(drifts.map((d) => d.skuId)).toEqual([String(sku.id)]);
      expect(drifts[0]).toMatchObject({ kind: 'marketplace' });
      await waitFor(() => view(sku.id)?.stock === sku.stock, { timeoutMs: 60_000, describe: describeView(sku.id) });
    });

    contract.extra?.(() => ({ stack, fake, marketplace: mp, seed, change, create, syncedState, settings }));
  });
}
