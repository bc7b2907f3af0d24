import { inject, injectable } from 'tsyringe';
import type { Database } from '../database/database.js';
import { TOKENS } from '../di/tokens.js';
import { Errors } from '../errors/errors.js';
import { toMessage, type OperationLogMessage } from '../oplog/operation-log.js';
import type { StateRepository, SkuState } from '../state/state-repository.js';
import { SNAPSHOT_SQL } from '../state/snapshot-repository.js';
import type { StoreRegistry } from '../stores/store-registry.js';

export interface InventoryRow {
  skuId: string;
  marketplace: string;
  name: string | null;
  status: string;
  /** Stock in VTEX (fulfillment simulation), null when the SKU is missing from it. */
  vtexStock: number | null;
  /** Stock sent to the marketplace after merchant policies (0 at or below the minimum). */
  sentStock: number | null;
  price: number | null;
  lastAttemptAt: string | null;
  /** When the marketplace last confirmed what it holds equals what it should. */
  inSync: boolean;
  warnings: Array<{ policy: string; kind: string; message: string; raisedAt: string }>;
}

export interface UnmappedCategory {
  vtexCategoryId: string;
  name: string | null;
  skus: number;
}

export interface SkuHistory {
  store: string;
  skuId: string;
  states: SkuState[];
  notifications: Array<{ id: string; requestId: string; receivedAt: string; dispatchedAt: string | null; refreshedAt: string | null; payload: unknown }>;
  snapshot: { fetchedAt: string; snapshot: unknown } | null;
  logs: OperationLogMessage[];
  warnings: Array<{ marketplace: string; policy: string; kind: string; message: string; details: unknown; raisedAt: string }>;
  lots: Array<{ lotId: string; marketplace: string; operation: string; status: string; outcome: string | null; message: string | null; createdAt: string }>;
  drifts: Array<{ marketplace: string | null; kind: string; fields: unknown; detectedAt: string }>;
}

export interface ActivitySeries {
  from: string;
  to: string;
  bucketMinutes: number;
  buckets: string[];
  notifications: number[];
  updates: number[];
  errors: number[];
  rateLimited: number[];
}

const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);

/** The read side of the admin API and UI: inventory, unmapped categories, a SKU's history, activity. */
@injectable()
export class AdminQueries {
  constructor(
    @inject(TOKENS.Database) private readonly db: Database,
    @inject(TOKENS.StoreRegistry) private readonly stores: StoreRegistry,
    @inject(TOKENS.StateRepository) private readonly state: StateRepository,
  ) {}

  assertStore(store: string): void {
    if (!this.stores.get(store)) throw Errors.adminNotFound(`Store "${store}"`);
  }

  assertIntegration(store: string, marketplace: string): void {
    this.assertStore(store);
    if (!this.stores.integration(store, marketplace)) throw Errors.adminNotFound(`Integration "${marketplace}" of store "${store}"`);
  }

  /** SKUs per marketplace with stock (VTEX's and the one sent), last sync and the policies' warnings; warned SKUs first. */
  async inventory(store: string, filter: { marketplace?: string; warningsOnly?: boolean; limit: number; offset: number }): Promise<{ total: number; warned: number; rows: InventoryRow[] }> {
    this.assertStore(store);
    if (filter.marketplace) this.assertIntegration(store, filter.marketplace);
    const rows = await this.db.query<Record<string, unknown>>(
      `with w as (
         select marketplace, sku_id, jsonb_agg(jsonb_build_object('policy', policy, 'kind', kind, 'message', message, 'raisedAt', raised_at) order by policy) as warnings
         from policy_warnings where store = $1 and ($2::text is null or marketplace = $2) group by marketplace, sku_id)
       select s.sku_id, s.marketplace, s.status, s.last_attempt_at, s.desired_offer, (s.delivered_hash is not null and s.delivered_hash = s.desired_hash) as in_sync,
              coalesce(n.offer_refresh->'offer', n.snapshot->'offer') as offer, coalesce(n.snapshot->'sku'->>'NameComplete', n.snapshot->'sku'->>'SkuName', n.snapshot->'product'->>'Name') as name,
              coalesce(w.warnings, '[]'::jsonb) as warnings, count(*) over () as total,
              count(w.sku_id) over () as warned
       from sku_state s
       left join sku_snapshots n on n.store = s.store and n.sku_id = s.sku_id
       left join w on w.marketplace = s.marketplace and w.sku_id = s.sku_id
       where s.store = $1 and ($2::text is null or s.marketplace = $2) and (not $3 or w.sku_id is not null)
       order by (w.sku_id is null), s.marketplace, length(s.sku_id), s.sku_id
       limit $4 offset $5`,
      [store, filter.marketplace ?? null, Boolean(filter.warningsOnly), filter.limit, filter.offset],
    );
    const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
    return {
      total: Number(rows[0]?.total ?? 0),
      warned: Number(rows[0]?.warned ?? 0),
      rows: rows.map((r) => {
        const offer = r.offer as { stock?: number; price?: number } | null;
        const sent = r.desired_offer as { stock?: number; price?: number } | null;
        return {
          skuId: String(r.sku_id),
          marketplace: String(r.marketplace),
          name: (r.name as string) ?? null,
          status: String(r.status),
          vtexStock: num(offer?.stock),
          sentStock: num(sent?.stock),
          price: num(sent?.price ?? offer?.price),
          lastAttemptAt: iso(r.last_attempt_at),
          inSync: Boolean(r.in_sync),
          warnings: (r.warnings as InventoryRow['warnings']).map((w) => ({ ...w, raisedAt: iso(w.raisedAt)! })),
        };
      }),
    };
  }

  /** VTEX categories of SKUs that wait for a mapping on this integration, with how many SKUs each. */
  async unmappedCategories(store: string, marketplace: string): Promise<UnmappedCategory[]> {
    this.assertIntegration(store, marketplace);
    const rows = await this.db.query<{ vtex_category_id: string; name: string | null; skus: number }>(
      `select s.vtex_category_id, max(n.snapshot->'sku'->'ProductCategories'->>s.vtex_category_id) as name, count(*)::int as skus
       from sku_state s
       left join sku_snapshots n on n.store = s.store and n.sku_id = s.sku_id
       where s.store = $1 and s.marketplace = $2 and s.status in ('pending-category', 'invalid') and s.vtex_category_id is not null
         and not exists (select 1 from category_mappings m where m.store = s.store and m.marketplace = s.marketplace and m.vtex_category_id = s.vtex_category_id)
       group by s.vtex_category_id
       order by count(*) desc, s.vtex_category_id`,
      [store, marketplace],
    );
    return rows.map((r) => ({ vtexCategoryId: r.vtex_category_id, name: r.name ?? null, skus: Number(r.skus) }));
  }

  /** Everything known about one SKU: per-marketplace state, notifications, the last VTEX snapshot, logs, warnings, lots, drifts. */
  async skuHistory(store: string, skuId: string, limit = 100): Promise<SkuHistory> {
    this.assertStore(store);
    const [states, notifications, snapshots, logs, warnings, lots, drifts] = await Promise.all([
      this.state.list({ store, skuIds: [skuId] }),
      this.db.query<Record<string, unknown>>(
        `select id, request_id, received_at, dispatched_at, refreshed_at, payload from notifications where store = $1 and sku_id = $2 order by id desc limit $3`,
        [store, skuId, limit],
      ),
      this.db.query<Record<string, unknown>>(`select ${SNAPSHOT_SQL('s')} as snapshot, s.fetched_at from sku_snapshots s where s.store = $1 and s.sku_id = $2`, [store, skuId]),
      this.db.query<Record<string, unknown>>(`select * from operation_logs where store = $1 and sku_id = $2 order by id desc limit $3`, [store, skuId, limit]),
      this.db.query<Record<string, unknown>>(`select marketplace, policy, kind, message, details, raised_at from policy_warnings where store = $1 and sku_id = $2 order by marketplace, policy`, [store, skuId]),
      this.db.query<Record<string, unknown>>(
        `select l.id, l.marketplace, l.operation, l.status, i.outcome, i.message, l.created_at from lot_items i join lots l on l.id = i.lot_id
         where l.store = $1 and i.sku_id = $2 order by l.id desc limit $3`,
        [store, skuId, limit],
      ),
      this.db.query<Record<string, unknown>>(`select marketplace, kind, fields, detected_at from reconciliation_drifts where store = $1 and sku_id = $2 order by id desc limit $3`, [store, skuId, limit]),
    ]);
    if (!states.length && !notifications.length && !snapshots.length) throw Errors.adminNotFound(`SKU "${skuId}" of store "${store}"`);
    return {
      store,
      skuId,
      states,
      notifications: notifications.map((n) => ({
        id: String(n.id),
        requestId: String(n.request_id),
        receivedAt: iso(n.received_at)!,
        dispatchedAt: iso(n.dispatched_at),
        refreshedAt: iso(n.refreshed_at),
        payload: n.payload,
      })),
      snapshot: snapshots[0] ? { fetchedAt: iso(snapshots[0].fetched_at)!, snapshot: snapshots[0].snapshot } : null,
      logs: logs.map(toMessage),
      warnings: warnings.map((w) => ({ marketplace: String(w.marketplace), policy: String(w.policy), kind: String(w.kind), message: String(w.message), details: w.details, raisedAt: iso(w.raised_at)! })),
      lots: lots.map((l) => ({ lotId: String(l.id), marketplace: String(l.marketplace), operation: String(l.operation), status: String(l.status), outcome: (l.outcome as string) ?? null, message: (l.message as string) ?? null, createdAt: iso(l.created_at)! })),
      drifts: drifts.map((d) => ({ marketplace: (d.marketplace as string) ?? null, kind: String(d.kind), fields: d.fields, detectedAt: iso(d.detected_at)! })),
    };
  }

  /** Counts per time bucket: notifications in, updates out (S1), errors (E*), marketplace 429s. */
  async activity(store: string, options: { marketplace?: string; hours: number; bucketMinutes: number; now?: number }): Promise<ActivitySeries> {
    this.assertStore(store);
    if (options.marketplace) this.assertIntegration(store, options.marketplace);
    const bucketMs = options.bucketMinutes * 60_000;
    const to = Math.ceil((options.now ?? Date.now()) / bucketMs) * bucketMs;
    const from = to - Math.ceil((options.hours * 3_600_000) / bucketMs) * bucketMs;
    const params = [store, new Date(from).toISOString(), new Date(to).toISOString(), `${options.bucketMinutes} minutes`, options.marketplace ?? null];
    const bin = (col: string) => `date_bin($4::interval, ${col}, $2::timestamptz)`;
    const [notifications, logs, limited] = await Promise.all([
      this.db.query<{ b: string; n: number }>(
        // Notifications belong to the store (every marketplace gets them).
        `select ${bin('received_at')} as b, count(*)::int as n from notifications where store = $1 and received_at >= $2 and received_at < $3 group by 1`,
        params.slice(0, 4),
      ),
      this.db.query<{ b: string; updates: number; errors: number }>(
        `select ${bin('created_at')} as b, count(*) filter (where code = 'S1')::int as updates, count(*) filter (where status = 'Error')::int as errors
         from operation_logs where store = $1 and created_at >= $2 and created_at < $3 and ($5::text is null or marketplace = $5) group by 1`,
        params,
      ),
      this.db.query<{ b: string; n: number }>(
        `select ${bin('minute')} as b, sum(count)::int as n from activity_counts
         where store = $1 and kind = 'rate-limited' and minute >= $2 and minute < $3 and ($5::text is null or marketplace = $5) group by 1`,
        params,
      ),
    ]);
    const count = Math.round((to - from) / bucketMs);
    const index = (b: string) => Math.round((new Date(b).getTime() - from) / bucketMs);
    const series = () => new Array<number>(count).fill(0);
    const out: ActivitySeries = {
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      bucketMinutes: options.bucketMinutes,
      buckets: Array.from({ length: count }, (_, i) => new Date(from + i * bucketMs).toISOString()),
      notifications: series(),
      updates: series(),
      errors: series(),
      rateLimited: series(),
    };
    const put = (arr: number[], b: string, n: number) => {
      const i = index(b);
      if (i >= 0 && i < count) arr[i] += Number(n);
    };
    for (const r of notifications) put(out.notifications, r.b, r.n);
    for (const r of logs) {
      put(out.updates, r.b, r.updates);
      put(out.errors, r.b, r.errors);
    }
    for (const r of limited) put(out.rateLimited, r.b, r.n);
    return out;
  }
}
