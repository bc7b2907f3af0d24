import type { Job, PgBoss } from 'pg-boss';
import { inject, injectable } from 'tsyringe';
import type { ConnectorConfig, StoreConfig } from '../config/types.js';
import type { Database } from '../database/database.js';
import type { DeliveryGate } from '../delivery/gate.js';
import type { PluginHost } from '../plugins/plugin-host.js';
import type { IntegrationLimitsService } from '../delivery/integration-limits.js';
import type { MarketplaceCaller } from '../delivery/marketplace-caller.js';
import { TOKENS } from '../di/tokens.js';
import { Errors } from '../errors/errors.js';
import type { SkuRefreshJob } from '../ingest/dispatcher.js';
import type { Logger } from '../logging/logger.js';
import type { RemoteState } from '../plugin-api/index.js';
import { QueueNames } from '../queue/queue-names.js';
import type { StoreRegistry } from '../stores/store-registry.js';
import { stableStringify } from '../util/hash.js';
import type { VtexOffer, SkuSnapshot } from '../vtex/types.js';
import type { VtexClients } from '../vtex/vtex-clients.js';
import { SNAPSHOT_SQL } from '../state/snapshot-repository.js';

export type ReconcileScope = 'hot' | 'full';
export type DriftKind = 'marketplace' | 'missing' | 'vtex';

export interface ReconcileJob {
  kind: ReconcileScope | 'refresh';
  store: string;
  marketplace?: string;
}

export interface RunSummary {
  id: number;
  store: string;
  marketplace: string | null;
  kind: ReconcileScope | 'refresh';
  status: 'done' | 'skipped' | 'failed';
  checked: number;
  drifted: number;
  error?: string;
}

export interface Drift {
  id: number;
  runId: number;
  store: string;
  marketplace: string | null;
  skuId: string;
  kind: DriftKind;
  hotRank: number | null;
  /** Per field: what it should be and what was found. */
  fields: Record<string, { expected: unknown; actual: unknown }>;
  detectedAt: string;
  /** Delivered again since it was found. */
  repaired: boolean;
}

/** How far back notifications count towards a SKU's rotation. */
const ROTATION_DAYS = 7;
/** SKUs per page read from the database, and per fulfillment simulation. */
const PAGE = 500;
const SIMULATION_CHUNK = 50;
/** Items per fetchRemoteState call when the manifest does not say (batch.maxItems caps it). */
const REMOTE_CHUNK = 100;

interface Candidate {
  sku_id: string;
  marketplace_id: string;
  desired_payload: Record<string, unknown>;
  snapshot: SkuSnapshot | null;
  hot_rank: number | null;
}

/**
 * Reconciliation (VTEX's recommendation: check often that the marketplace holds what VTEX says,
 * high-rotation SKUs first, regardless of notifications). A run reads the marketplace's stock/price
 * back (plugin `fetchRemoteState`) and compares it with the payload last delivered, and re-reads
 * VTEX's price/stock (simulation) to catch notifications that never came. Every drift is recorded,
 * and repaired: the SKU is refreshed from VTEX and delivered again. Best sellers (ranked by stock
 * notifications) go first; the frequent `hot` run covers only them, the `full` run everything.
 * `refresh` is the independent VTEX-side check for every SKU of a store.
 */
@injectable()
export class Reconciler {
  constructor(
    @inject(TOKENS.Database) private readonly db: Database,
    @inject(TOKENS.Boss) private readonly boss: PgBoss,
    @inject(TOKENS.StoreRegistry) private readonly stores: StoreRegistry,
    @inject(TOKENS.VtexClients) private readonly vtex: VtexClients,
    @inject(TOKENS.MarketplaceCaller) private readonly caller: MarketplaceCaller,
    @inject(TOKENS.PluginHost) private readonly plugins: PluginHost,
    @inject(TOKENS.IntegrationLimits) private readonly limits: IntegrationLimitsService,
    @inject(TOKENS.DeliveryGate) private readonly gate: DeliveryGate,
    @inject(TOKENS.Config) private readonly config: ConnectorConfig,
    @inject(TOKENS.Logger) private readonly log: Logger,
  ) {}

  /** Registers (or removes) the cron schedules of every integration and store. */
  async schedule(): Promise<void> {
    const { enabled, hotCron, fullCron, refreshCron } = this.config.reconciliation;
    const queue = QueueNames.reconcile();
    for (const store of this.stores.list()) {
      const entries: Array<[string, string, ReconcileJob]> = [[`refresh/${store.account}`, refreshCron, { kind: 'refresh', store: store.account }]];
      for (const i of store.integrations.filter((x) => x.enabled)) {
        entries.push([`hot/${store.account}/${i.marketplace}`, hotCron, { kind: 'hot', store: store.account, marketplace: i.marketplace }]);
        entries.push([`full/${store.account}/${i.marketplace}`, fullCron, { kind: 'full', store: store.account, marketplace: i.marketplace }]);
      }
      for (const [key, cron, data] of entries) {
        if (enabled) await this.boss.schedule(queue, cron, data, { key, singletonKey: key });
        else await this.boss.unschedule(queue, key);
      }
    }
  }

  async handle(job: Job<ReconcileJob>): Promise<void> {
    const { kind, store, marketplace } = job.data;
    if (!this.stores.get(store)) return;
    if (kind === 'refresh') await this.refresh(store);
    else if (marketplace && this.stores.integration(store, marketplace)?.enabled) await this.runOnce(store, marketplace, { scope: kind });
  }

  /** SKUs ranked by stock notifications of the last days (sales move stock): the best sellers first. */
  async hotSkus(store: string, limit = this.config.reconciliation.hotSkus): Promise<Array<{ skuId: string; notifications: number }>> {
    const rows = await this.db.query<{ sku_id: string; n: number }>(
      `select sku_id, count(*)::int as n from notifications
       where store = $1 and received_at > now() - make_interval(days => $2) and (payload->>'stockModified')::boolean
       group by sku_id order by n desc, sku_id limit $3`,
      [store, ROTATION_DAYS, limit],
    );
    return rows.map((r) => ({ skuId: r.sku_id, notifications: Number(r.n) }));
  }

  /** One reconciliation run of `store` × `marketplace`: compare, record, repair. */
  async runOnce(store: string, marketplace: string, options: { scope?: ReconcileScope } = {}): Promise<RunSummary> {
    const scope = options.scope ?? 'full';
    const storeConfig = this.stores.get(store);
    if (!storeConfig || !this.stores.integration(store, marketplace)) throw Errors.invalidArgument('marketplace', `store "${store}" has no integration "${marketplace}"`);
    const [run] = await this.db.query<{ id: number }>(`insert into reconciliation_runs (store, marketplace, kind, status) values ($1, $2, $3, 'running') returning id`, [store, marketplace, scope]);
    const runId = Number(run!.id);
    const summary: RunSummary = { id: runId, store, marketplace, kind: scope, status: 'done', checked: 0, drifted: 0 };
    try {
      const handlers = await this.plugins.handlers(storeConfig, marketplace);
      if (!handlers.fetchRemoteState) {
        throw Errors.pluginCapabilityMissing(marketplace, 'fetchRemoteState', 'reconciliation needs to read stock and price back');
      }
      if (!this.gate.isOpen(store, marketplace)) {
        summary.status = 'skipped';
        summary.error = 'the marketplace is on hold (circuit breaker open or integration paused)';
      } else {
        const hot = await this.hotSkus(store);
        const ranks = new Map(hot.map((h, i) => [h.skuId, i + 1]));
        const chunk = Math.min(REMOTE_CHUNK, this.limits.get(store, marketplace).limits.batch.maxItems);
        // Best sellers first, in rank order…
        for (let i = 0; i < hot.length; i += PAGE) {
          const page = await this.candidates(store, marketplace, { ids: hot.slice(i, i + PAGE).map((h) => h.skuId) });
          page.sort((a, b) => ranks.get(a.sku_id)! - ranks.get(b.sku_id)!);
          for (const c of page) c.hot_rank = ranks.get(c.sku_id)!;
          await this.check(storeConfig, marketplace, runId, page, chunk, summary);
        }
        // …then (full run) every other delivered SKU, a page at a time.
        if (scope === 'full') {
          let after: string | undefined;
          for (;;) {
            const page = await this.candidates(store, marketplace, { after, exclude: [...ranks.keys()] });
            if (!page.length) break;
            await this.check(storeConfig, marketplace, runId, page, chunk, summary);
            after = page[page.length - 1]!.sku_id;
          }
        }
      }
    } catch (error) {
      summary.status = 'failed';
      summary.error = (error as Error).message;
      this.log.warn({ store, marketplace, runId, err: { code: (error as { code?: string }).code, message: summary.error } }, 'reconciliation failed');
    }
    await this.finish(summary);
    this.log.info({ ...summary }, 'reconciliation run');
    return summary;
  }

  /** The VTEX side only, for every SKU the store has: price/stock re-read; what changed without a notification is refreshed. */
  async refresh(store: string): Promise<RunSummary> {
    if (!this.stores.get(store)) throw Errors.invalidArgument('store', `unknown store "${store}"`);
    const [run] = await this.db.query<{ id: number }>(`insert into reconciliation_runs (store, kind, status) values ($1, 'refresh', 'running') returning id`, [store]);
    const summary: RunSummary = { id: Number(run!.id), store, marketplace: null, kind: 'refresh', status: 'done', checked: 0, drifted: 0 };
    try {
      let after = '';
      for (;;) {
        // Numeric ids in numeric order (shorter first), any id in a stable order.
        const page = await this.db.query<{ sku_id: string; snapshot: SkuSnapshot }>(
          `select sku_id, ${SNAPSHOT_SQL('sku_snapshots')} as snapshot from sku_snapshots where store = $1 and (length(sku_id), sku_id) > (length($2::text), $2::text)
           order by length(sku_id), sku_id limit $3`,
          [store, after, PAGE],
        );
        if (!page.length) break;
        after = page[page.length - 1]!.sku_id;
        const changed = await this.vtexChanges(store, page.map((p) => ({ sku_id: p.sku_id, snapshot: p.snapshot })));
        summary.checked += page.length;
        if (changed.length) {
          await this.recordDrifts(summary.id, store, null, changed.map((c) => ({ skuId: c.skuId, kind: 'vtex' as const, hotRank: null, fields: c.fields })));
          await this.repair(store, null, changed.map((c) => c.skuId), summary.id);
          summary.drifted += changed.length;
        }
      }
    } catch (error) {
      summary.status = 'failed';
      summary.error = (error as Error).message;
    }
    await this.finish(summary);
    this.log.info({ ...summary }, 'VTEX refresh run');
    return summary;
  }

  private async candidates(store: string, marketplace: string, where: { ids?: string[]; after?: string; exclude?: string[] }): Promise<Candidate[]> {
    // Only SKUs the marketplace should hold as delivered: anything pending is on its way anyway.
    return this.db.query<Candidate>(
      `select s.sku_id, m.marketplace_id, s.desired_payload, ${SNAPSHOT_SQL('snap')} as snapshot, null::int as hot_rank
       from sku_state s
       join id_mappings m on m.store = s.store and m.marketplace = s.marketplace and m.sku_id = s.sku_id
       left join sku_snapshots snap on snap.store = s.store and snap.sku_id = s.sku_id
       where s.store = $1 and s.marketplace = $2 and s.status = 'synced' and s.desired_hash = s.delivered_hash
         and ($3::text[] is null or s.sku_id = any($3::text[]))
         and ($4::text is null or (length(s.sku_id), s.sku_id) > (length($4::text), $4::text))
         and ($5::text[] is null or not (s.sku_id = any($5::text[])))
       order by length(s.sku_id), s.sku_id limit $6`,
      [store, marketplace, where.ids ?? null, where.after ?? null, where.exclude ?? null, PAGE],
    );
  }

  private async check(store: StoreConfig, marketplace: string, runId: number, page: Candidate[], chunk: number, summary: RunSummary) {
    for (let i = 0; i < page.length; i += chunk) {
      const part = page.slice(i, i + chunk);
      const remote = await this.caller.call(store, marketplace, 'fetchRemoteState', (h) => h.fetchRemoteState!(part.map((c) => ({ skuId: c.sku_id, marketplaceId: c.marketplace_id }))));
      const bySku = new Map<string, RemoteState>(remote.map((r) => [String(r.skuId), r]));
      const vtex = new Map((await this.vtexChanges(store.account, part)).map((c) => [c.skuId, c]));
      const drifts: Array<{ skuId: string; kind: DriftKind; hotRank: number | null; fields: Drift['fields'] }> = [];
      for (const c of part) {
        const r = bySku.get(c.sku_id);
        if (vtex.has(c.sku_id)) {
          // VTEX changed without a notification: the refresh delivers the new data anyway.
          drifts.push({ skuId: c.sku_id, kind: 'vtex', hotRank: c.hot_rank, fields: vtex.get(c.sku_id)!.fields });
        } else if (!r || !r.found) {
          drifts.push({ skuId: c.sku_id, kind: 'missing', hotRank: c.hot_rank, fields: { item: { expected: c.marketplace_id, actual: null } } });
        } else {
          const fields: Drift['fields'] = {};
          for (const [key, actual] of Object.entries(r.fields ?? {})) {
            const expected = c.desired_payload?.[key];
            if (stableStringify(expected) !== stableStringify(actual)) fields[key] = { expected, actual };
          }
          if (Object.keys(fields).length) drifts.push({ skuId: c.sku_id, kind: 'marketplace', hotRank: c.hot_rank, fields });
        }
      }
      summary.checked += part.length;
      if (drifts.length) {
        await this.recordDrifts(runId, store.account, marketplace, drifts);
        const missing = drifts.filter((d) => d.kind === 'missing').map((d) => d.skuId);
        // Gone from the marketplace: forget its id so it is created again.
        if (missing.length) {
          await this.db.query('delete from id_mappings where store = $1 and marketplace = $2 and sku_id = any($3::text[])', [store.account, marketplace, missing]);
          await this.db.query('update sku_state set marketplace_id = null where store = $1 and marketplace = $2 and sku_id = any($3::text[])', [store.account, marketplace, missing]);
        }
        await this.repair(store.account, marketplace, drifts.map((d) => d.skuId), runId);
        summary.drifted += drifts.length;
      }
    }
  }

  /** Which of these SKUs' VTEX price/stock differ from the snapshot the pipeline last used. */
  private async vtexChanges(store: string, rows: Array<{ sku_id: string; snapshot: SkuSnapshot | null }>): Promise<Array<{ skuId: string; fields: Drift['fields'] }>> {
    const client = this.vtex.for(store);
    const changed: Array<{ skuId: string; fields: Drift['fields'] }> = [];
    const known = rows.filter((r) => r.snapshot?.sku);
    for (let i = 0; i < known.length; i += SIMULATION_CHUNK) {
      const part = known.slice(i, i + SIMULATION_CHUNK);
      const offers = await client.simulate(part.map((p) => p.sku_id));
      for (const p of part) {
        const before: VtexOffer | null = p.snapshot!.offer;
        const now = offers.get(p.sku_id) ?? null;
        const fields: Drift['fields'] = {};
        for (const key of ['price', 'sellingPrice', 'listPrice', 'stock'] as const) {
          if ((before?.[key] ?? null) !== (now?.[key] ?? null)) fields[key] = { expected: now?.[key] ?? null, actual: before?.[key] ?? null };
        }
        if (Object.keys(fields).length) changed.push({ skuId: p.sku_id, fields });
      }
    }
    return changed;
  }

  private async recordDrifts(runId: number, store: string, marketplace: string | null, drifts: Array<{ skuId: string; kind: DriftKind; hotRank: number | null; fields: Drift['fields'] }>) {
    await this.db.query(
      `insert into reconciliation_drifts (run_id, store, marketplace, sku_id, kind, hot_rank, fields)
       select $1, $2, $3, d.sku_id, d.kind, d.hot_rank, d.fields
       from jsonb_to_recordset($4::jsonb) as d(n int, sku_id text, kind text, hot_rank int, fields jsonb) order by d.n`,
      [runId, store, marketplace, JSON.stringify(drifts.map((d, n) => ({ n, sku_id: d.skuId, kind: d.kind, hot_rank: d.hotRank, fields: d.fields })))],
    );
  }

  /** Refresh from VTEX and deliver again, even though the payload may equal the one "delivered". */
  private async repair(store: string, marketplace: string | null, skuIds: string[], runId: number) {
    await this.db.query(
      `update sku_state set delivered_hash = null, status = 'pending', updated_at = now()
       where store = $1 and ($2::text is null or marketplace = $2) and sku_id = any($3::text[])`,
      [store, marketplace, skuIds],
    );
    await this.boss.insert(
      QueueNames.skuRefresh(store),
      skuIds.map((skuId) => ({
        data: { skuId, requestId: `reconcile-${runId}`, refresh: 'full', ...(marketplace && { marketplaces: [marketplace] }) } satisfies SkuRefreshJob,
        singletonKey: marketplace ? `${skuId}/${marketplace}` : skuId,
      })),
    );
  }

  private async finish(s: RunSummary) {
    await this.db.query(`update reconciliation_runs set status = $2, checked = $3, drifted = $4, error = $5, finished_at = now() where id = $1`, [s.id, s.status, s.checked, s.drifted, s.error ?? null]);
  }

  /** Drifts found, newest run first (a run's drifts in the order found), with whether each was delivered again since. */
  async drifts(filter: { store?: string; marketplace?: string; runId?: number; limit?: number } = {}): Promise<Drift[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      `select d.*, exists (select 1 from sku_state s where s.store = d.store and (d.marketplace is null or s.marketplace = d.marketplace) and s.sku_id = d.sku_id
                            and s.status = 'synced' and s.delivered_hash is not null and s.updated_at > d.detected_at) as repaired
       from reconciliation_drifts d
       where ($1::text is null or d.store = $1) and ($2::text is null or d.marketplace = $2) and ($3::bigint is null or d.run_id = $3)
       order by d.run_id desc, d.id limit $4`,
      [filter.store ?? null, filter.marketplace ?? null, filter.runId ?? null, filter.limit ?? 500],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      runId: Number(r.run_id),
      store: String(r.store),
      marketplace: (r.marketplace as string) ?? null,
      skuId: String(r.sku_id),
      kind: r.kind as DriftKind,
      hotRank: r.hot_rank === null ? null : Number(r.hot_rank),
      fields: r.fields as Drift['fields'],
      detectedAt: new Date(r.detected_at as string).toISOString(),
      repaired: Boolean(r.repaired),
    }));
  }

  async runs(filter: { store?: string; marketplace?: string; limit?: number } = {}) {
    return this.db.query(
      `select * from reconciliation_runs where ($1::text is null or store = $1) and ($2::text is null or marketplace = $2) order by id desc limit $3`,
      [filter.store ?? null, filter.marketplace ?? null, filter.limit ?? 50],
    );
  }
}
