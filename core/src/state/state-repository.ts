import { inject, injectable } from 'tsyringe';
import type { Database, Queryable } from '../database/database.js';
import { TOKENS } from '../di/tokens.js';
import type { OperationLog, OperationLogEntry } from '../oplog/operation-log.js';
import type { Fix } from '../plugin-api/index.js';
import { GroupCommit } from '../util/group-commit.js';
import { deliveryLog } from './delivery-log.js';
import type { DesiredOperation } from './desired-operation.js';

export type SkuStatus = 'pending' | 'pending-category' | 'invalid' | 'synced' | 'failed' | 'dead' | 'blocked';

/** One change to a store × marketplace × SKU state row. Absent fields keep their stored value. */
export interface StateUpdate {
  store: string;
  marketplace: string;
  skuId: string;
  status: SkuStatus;
  requestId?: string;
  /** Replaces the seller's fix list; absent keeps it (a deactivation still shows why the SKU was withdrawn). */
  fixes?: Fix[];
  desired?: {
    payload: Record<string, unknown>;
    hash: string;
    /** Default `upsert` (publish or update). */
    operation?: DesiredOperation;
    /** The offer after merchant policies (the price guard's reference next time). */
    offer?: unknown;
    /** What the payload was made from: the operation log's ContentSource. */
    source?: unknown;
  };
  deliveredHash?: string;
  lastRequest?: unknown;
  lastResponse?: unknown;
  marketplaceId?: string;
  /** The item was deleted on the marketplace: forget both the state's and the mapping table's id. */
  removeMapping?: boolean;
  /** The VTEX category the SKU was evaluated in (for releasing it when that category gets mapped). */
  vtexCategoryId?: string | null;
  /** Counts one delivery attempt; such an update is logged (S1, E2, E3) unless `log` says otherwise. */
  attempted?: boolean;
  /** The operation log entry for this change; `null` for none. Delivery attempts get theirs derived. */
  log?: OperationLogEntry | null;
  /**
   * A delivery attempt's ContentSource (the desired payload's `desired_source`), when the caller
   * read it with the row: saves reading it again. Absent: read from the row at write time.
   */
  source?: unknown;
}

/** Calls whose updates go in one transaction at most (a few thousand rows). */
const MAX_CALLS_PER_WRITE = 500;

const keyOf = (u: StateUpdate) => `${u.store}\0${u.marketplace}\0${u.skuId}`;
const compareKeys = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export interface SkuStateRow {
  sku_id: string;
  status: SkuStatus;
  attempts: number;
  desired_payload: Record<string, unknown> | null;
  desired_hash: string | null;
  desired_operation: DesiredOperation;
  desired_offer: import('../vtex/types.js').VtexOffer | null;
  delivered_hash: string | null;
  delivered_operation: DesiredOperation | null;
  delivered_payload: Record<string, unknown> | null;
  marketplace_id: string | null;
  fixes: Fix[];
  request_id: string | null;
  vtex_category_id: string | null;
  /** Only when loaded with `{ source: true }`: what the desired payload was made from. */
  desired_source?: unknown;
}

/** A state row as the admin API and tests read it. */
export interface SkuState {
  store: string;
  marketplace: string;
  skuId: string;
  status: SkuStatus;
  attempts: number;
  lastAttemptAt: string | null;
  lastRequest: unknown;
  lastResponse: unknown;
  fixes: Fix[];
  marketplaceId: string | null;
  vtexCategoryId: string | null;
  desiredOperation: DesiredOperation;
  desiredPayload: Record<string, unknown> | null;
  deliveredOperation: DesiredOperation | null;
  requestId: string | null;
  updatedAt: string;
}

/**
 * Per-SKU state, the VTEX ↔ marketplace id mapping and the operation log entries of each change,
 * written together (one transaction per batch): a state row never changes without its log.
 */
@injectable()
export class StateRepository {
  constructor(
    @inject(TOKENS.Database) private readonly db: Database,
    @inject(TOKENS.OperationLog) private readonly oplog: OperationLog,
  ) {}

  /**
   * Records `updates` (one transaction) and resolves once they are committed. Group commit: while a
   * write is in flight, the calls that arrive wait and then go together in the next transaction —
   * one multi-row upsert and one multi-row log insert instead of a transaction each — so a
   * delivery stage finishing calls one by one does not pay one commit per SKU. Each caller still
   * resolves only after its own rows are committed; if a shared transaction fails, each caller's
   * updates are written again on their own, so one bad update fails only its caller.
   */
  apply(updates: StateUpdate[]): Promise<void> {
    if (!updates.length) return Promise.resolve();
    return this.writes.add(updates);
  }

  private readonly writes = new GroupCommit<StateUpdate[]>((calls) => this.write(calls), MAX_CALLS_PER_WRITE);

  /** Writes the updates of several calls in one transaction, in call order. */
  private async write(calls: StateUpdate[][]): Promise<void> {
    // One row per key and statement (ON CONFLICT cannot touch a row twice): within a call the last
    // update of a key wins, as it always has; a key repeated by a later call goes in a later round.
    const owns: Array<Map<string, StateUpdate>> = [];
    const rounds: Array<Map<string, StateUpdate>> = [];
    for (const updates of calls) {
      const own = new Map<string, StateUpdate>();
      for (const u of updates) own.set(keyOf(u), u);
      owns.push(own);
      let round = rounds[rounds.length - 1];
      if (!round || [...own.keys()].some((k) => round!.has(k))) rounds.push((round = new Map()));
      for (const [k, u] of own) round.set(k, u);
    }
    await this.db.transaction(async (tx) => {
      const sources = new Map<StateUpdate, unknown>();
      for (const round of rounds) {
        // Rows in key order: concurrent writers (other processes) lock them in the same order.
        const unique = [...round.values()].sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
        await this.writeRound(tx, unique, sources);
      }
      // Logs in the order each call gave its updates.
      const logs: OperationLogEntry[] = [];
      for (const own of owns) {
        for (const u of own.values()) {
          if (u.log !== undefined) {
            if (u.log) logs.push(u.log);
          } else if (u.attempted) {
            logs.push(deliveryLog(u, u.source !== undefined ? u.source : sources.get(u)));
          }
        }
      }
      await this.oplog.write(logs, tx);
    });
  }

  private async writeRound(tx: Queryable, unique: StateUpdate[], sources: Map<StateUpdate, unknown>): Promise<void> {
    const rows = unique.map((u) => ({
      store: u.store,
      marketplace: u.marketplace,
      sku_id: u.skuId,
      status: u.status,
      request_id: u.requestId ?? null,
      fixes: u.fixes ?? [],
      desired_payload: u.desired?.payload ?? null,
      desired_hash: u.desired?.hash ?? null,
      desired_operation: u.desired ? (u.desired.operation ?? 'upsert') : null,
      desired_offer: u.desired?.offer ?? null,
      desired_source: u.desired?.source ?? null,
      delivered_hash: u.deliveredHash ?? null,
      last_request: u.lastRequest ?? null,
      last_response: u.lastResponse ?? null,
      marketplace_id: u.marketplaceId ?? null,
      vtex_category_id: u.vtexCategoryId ?? null,
      attempts: u.attempted ? 1 : 0,
    }));
    const stored = await this.sourcesForLogs(tx, unique);
    for (const u of unique) if (stored.has(keyOf(u))) sources.set(u, stored.get(keyOf(u)));
    // Two statements, because ON CONFLICT cannot tell "no fix list given" from "an empty one" per row.
    const given = rows.filter((_r, i) => unique[i].fixes !== undefined);
    const kept = rows.filter((_r, i) => unique[i].fixes === undefined);
    if (given.length) await this.upsert(tx, given, 'excluded.fixes');
    if (kept.length) await this.upsert(tx, kept, 's.fixes');
    const removed = unique.filter((u) => u.removeMapping);
    if (removed.length) {
      // The item is gone from the marketplace: forget its id on both sides, so it is published anew if it comes back.
      const keys = JSON.stringify(removed.map((u) => ({ store: u.store, marketplace: u.marketplace, sku_id: u.skuId })));
      await tx.query(
        `delete from id_mappings m using jsonb_to_recordset($1::jsonb) as r(store text, marketplace text, sku_id text)
         where m.store = r.store and m.marketplace = r.marketplace and m.sku_id = r.sku_id`,
        [keys],
      );
      await tx.query(
        `update sku_state s set marketplace_id = null from jsonb_to_recordset($1::jsonb) as r(store text, marketplace text, sku_id text)
         where s.store = r.store and s.marketplace = r.marketplace and s.sku_id = r.sku_id`,
        [keys],
      );
    }
  }

  private async upsert(tx: Queryable, rows: Record<string, unknown>[], fixes: 'excluded.fixes' | 's.fixes') {
    await tx.query(
      `insert into sku_state as s (store, marketplace, sku_id, status, request_id, fixes, desired_payload, desired_hash,
                                   desired_operation, desired_offer, desired_source, delivered_hash, last_request,
                                   last_response, marketplace_id, vtex_category_id, attempts, last_attempt_at, updated_at)
       select store, marketplace, sku_id, status, request_id, fixes, desired_payload, desired_hash,
              coalesce(desired_operation, 'upsert'), desired_offer, desired_source, delivered_hash, last_request,
              last_response, marketplace_id, vtex_category_id,
              attempts, case when attempts > 0 then now() end, now()
       from jsonb_to_recordset($1::jsonb) as r(store text, marketplace text, sku_id text, status text, request_id text,
              fixes jsonb, desired_payload jsonb, desired_hash text, desired_operation text, desired_offer jsonb,
              desired_source jsonb, delivered_hash text, last_request jsonb, last_response jsonb, marketplace_id text,
              vtex_category_id text, attempts int)
       on conflict (store, marketplace, sku_id) do update set
         status          = excluded.status,
         request_id      = coalesce(excluded.request_id, s.request_id),
         fixes           = ${fixes},
         desired_payload = coalesce(excluded.desired_payload, s.desired_payload),
         desired_hash    = coalesce(excluded.desired_hash, s.desired_hash),
         desired_operation = case when excluded.desired_hash is not null then excluded.desired_operation else s.desired_operation end,
         desired_offer   = coalesce(excluded.desired_offer, s.desired_offer),
         desired_source  = coalesce(excluded.desired_source, s.desired_source),
         -- what the marketplace confirmed: the desired operation (and, for an upsert, the payload) it was sent
         delivered_operation = case when excluded.delivered_hash is not null and excluded.delivered_hash = s.desired_hash
                                    then s.desired_operation else s.delivered_operation end,
         delivered_payload = case when excluded.delivered_hash is not null and excluded.delivered_hash = s.desired_hash
                                       and s.desired_operation = 'upsert'
                                  then s.desired_payload else s.delivered_payload end,
         delivered_hash  = coalesce(excluded.delivered_hash, s.delivered_hash),
         last_request    = coalesce(excluded.last_request, s.last_request),
         last_response   = coalesce(excluded.last_response, s.last_response),
         marketplace_id  = coalesce(excluded.marketplace_id, s.marketplace_id),
         vtex_category_id = coalesce(excluded.vtex_category_id, s.vtex_category_id),
         -- attempts count deliveries of the current desired payload: a new payload starts over
         attempts        = excluded.attempts + case when excluded.desired_hash is not null
                             and excluded.desired_hash is distinct from s.desired_hash then 0 else s.attempts end,
         last_attempt_at = coalesce(excluded.last_attempt_at, s.last_attempt_at),
         updated_at      = now()`,
      [JSON.stringify(rows)],
    );
  }

  /** The stored ContentSource of the rows a delivery outcome is about (written by marketplace-sync). */
  private async sourcesForLogs(tx: Queryable, updates: StateUpdate[]): Promise<Map<string, unknown>> {
    const keys = updates.filter((u) => u.attempted && u.log === undefined && u.source === undefined);
    if (!keys.length) return new Map();
    const rows = await tx.query<{ store: string; marketplace: string; sku_id: string; desired_source: unknown }>(
      `select s.store, s.marketplace, s.sku_id, s.desired_source from sku_state s
       join jsonb_to_recordset($1::jsonb) as k(store text, marketplace text, sku_id text)
         on k.store = s.store and k.marketplace = s.marketplace and k.sku_id = s.sku_id`,
      [JSON.stringify(keys.map((u) => ({ store: u.store, marketplace: u.marketplace, sku_id: u.skuId })))],
    );
    return new Map(rows.map((r) => [`${r.store}\0${r.marketplace}\0${r.sku_id}`, r.desired_source]));
  }

  async load(store: string, marketplace: string, skuIds: string[], options: { source?: boolean } = {}): Promise<Map<string, SkuStateRow>> {
    const rows = await this.db.query<SkuStateRow>(
      `select s.sku_id, s.status, s.attempts, s.desired_payload, s.desired_hash, s.desired_operation, s.desired_offer,
              s.delivered_hash, s.delivered_operation, s.delivered_payload,
              coalesce(m.marketplace_id, s.marketplace_id) as marketplace_id, s.fixes, s.request_id, s.vtex_category_id
              ${options.source ? ', s.desired_source' : ''}
       from sku_state s
       left join id_mappings m on m.store = s.store and m.marketplace = s.marketplace and m.sku_id = s.sku_id
       where s.store = $1 and s.marketplace = $2 and s.sku_id = any($3::text[])`,
      [store, marketplace, skuIds],
    );
    return new Map(rows.map((r) => [r.sku_id, r]));
  }

  /** One SKU's state on one marketplace, for people and tests ("what happened to SKU 123?"). */
  async get(store: string, marketplace: string, skuId: string): Promise<SkuState | undefined> {
    return (await this.list({ store, marketplace, skuIds: [skuId] }))[0];
  }

  async list(filter: { store: string; marketplace?: string; status?: SkuStatus; skuIds?: string[]; limit?: number }): Promise<SkuState[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      `select s.store, s.marketplace, s.sku_id, s.status, s.attempts, s.last_attempt_at, s.last_request, s.last_response, s.fixes,
              coalesce(m.marketplace_id, s.marketplace_id) as marketplace_id, s.vtex_category_id, s.desired_operation,
              s.desired_payload, s.delivered_operation, s.request_id, s.updated_at
       from sku_state s
       left join id_mappings m on m.store = s.store and m.marketplace = s.marketplace and m.sku_id = s.sku_id
       where s.store = $1 and ($2::text is null or s.marketplace = $2) and ($3::text is null or s.status = $3)
         and ($4::text[] is null or s.sku_id = any($4::text[]))
       order by s.marketplace, s.sku_id
       limit $5`,
      [filter.store, filter.marketplace ?? null, filter.status ?? null, filter.skuIds ?? null, filter.limit ?? 10_000],
    );
    return rows.map((r) => ({
      store: r.store as string,
      marketplace: r.marketplace as string,
      skuId: r.sku_id as string,
      status: r.status as SkuStatus,
      attempts: r.attempts as number,
      lastAttemptAt: r.last_attempt_at ? new Date(r.last_attempt_at as string).toISOString() : null,
      lastRequest: r.last_request ?? null,
      lastResponse: r.last_response ?? null,
      fixes: r.fixes as Fix[],
      marketplaceId: (r.marketplace_id as string) ?? null,
      vtexCategoryId: (r.vtex_category_id as string) ?? null,
      desiredOperation: r.desired_operation as DesiredOperation,
      desiredPayload: (r.desired_payload as Record<string, unknown>) ?? null,
      deliveredOperation: (r.delivered_operation as DesiredOperation) ?? null,
      requestId: (r.request_id as string) ?? null,
      updatedAt: new Date(r.updated_at as string).toISOString(),
    }));
  }

  async saveIdMappings(store: string, marketplace: string, mappings: Array<{ skuId: string; marketplaceId: string }>): Promise<void> {
    if (!mappings.length) return;
    await this.db.query(
      `insert into id_mappings (store, marketplace, sku_id, marketplace_id)
       select $1, $2, sku_id, marketplace_id from jsonb_to_recordset($3::jsonb) as m(sku_id text, marketplace_id text)
       on conflict (store, marketplace, sku_id) do update set marketplace_id = excluded.marketplace_id, updated_at = now()`,
      [store, marketplace, JSON.stringify(mappings.map((m) => ({ sku_id: m.skuId, marketplace_id: m.marketplaceId })))],
    );
  }

  async idMapping(store: string, marketplace: string, skuId: string): Promise<string | undefined> {
    const [row] = await this.db.query<{ marketplace_id: string }>(
      'select marketplace_id from id_mappings where store = $1 and marketplace = $2 and sku_id = $3',
      [store, marketplace, skuId],
    );
    return row?.marketplace_id;
  }
}
