import { inject, injectable } from 'tsyringe';
import type { Database } from '../database/database.js';
import { TOKENS } from '../di/tokens.js';
import type { Fix } from '../plugin-api/index.js';

export type SkuStatus = 'pending' | 'pending-category' | 'invalid' | 'synced' | 'failed' | 'dead' | 'blocked';

/** One change to a store × marketplace × SKU state row. Absent fields keep their stored value. */
export interface StateUpdate {
  store: string;
  marketplace: string;
  skuId: string;
  status: SkuStatus;
  requestId?: string;
  /** Replaces the fix list (empty when absent). */
  fixes?: Fix[];
  desired?: { payload: Record<string, unknown>; hash: string };
  deliveredHash?: string;
  lastRequest?: unknown;
  lastResponse?: unknown;
  marketplaceId?: string;
  /** Counts one delivery attempt. */
  attempted?: boolean;
}

export interface SkuStateRow {
  sku_id: string;
  status: SkuStatus;
  attempts: number;
  desired_payload: Record<string, unknown> | null;
  desired_hash: string | null;
  delivered_hash: string | null;
  marketplace_id: string | null;
  fixes: Fix[];
  request_id: string | null;
}

/** Per-SKU state and the VTEX ↔ marketplace id mapping. Written in batches, one statement each. */
@injectable()
export class StateRepository {
  constructor(@inject(TOKENS.Database) private readonly db: Database) {}

  async apply(updates: StateUpdate[]): Promise<void> {
    if (!updates.length) return;
    // One row per key: ON CONFLICT cannot touch the same row twice in one statement.
    const byKey = new Map<string, StateUpdate>();
    for (const u of updates) byKey.set(`${u.store}\0${u.marketplace}\0${u.skuId}`, u);
    const rows = [...byKey.values()].map((u) => ({
      store: u.store,
      marketplace: u.marketplace,
      sku_id: u.skuId,
      status: u.status,
      request_id: u.requestId ?? null,
      fixes: u.fixes ?? [],
      desired_payload: u.desired?.payload ?? null,
      desired_hash: u.desired?.hash ?? null,
      delivered_hash: u.deliveredHash ?? null,
      last_request: u.lastRequest ?? null,
      last_response: u.lastResponse ?? null,
      marketplace_id: u.marketplaceId ?? null,
      attempts: u.attempted ? 1 : 0,
    }));
    await this.db.query(
      `insert into sku_state as s (store, marketplace, sku_id, status, request_id, fixes, desired_payload, desired_hash,
                                   delivered_hash, last_request, last_response, marketplace_id, attempts, last_attempt_at, updated_at)
       select store, marketplace, sku_id, status, request_id, fixes, desired_payload, desired_hash, delivered_hash,
              last_request, last_response, marketplace_id, attempts, case when attempts > 0 then now() end, now()
       from jsonb_to_recordset($1::jsonb) as r(store text, marketplace text, sku_id text, status text, request_id text,
              fixes jsonb, desired_payload jsonb, desired_hash text, delivered_hash text, last_request jsonb,
              last_response jsonb, marketplace_id text, attempts int)
       on conflict (store, marketplace, sku_id) do update set
         status          = excluded.status,
         request_id      = coalesce(excluded.request_id, s.request_id),
         fixes           = excluded.fixes,
         desired_payload = coalesce(excluded.desired_payload, s.desired_payload),
         desired_hash    = coalesce(excluded.desired_hash, s.desired_hash),
         delivered_hash  = coalesce(excluded.delivered_hash, s.delivered_hash),
         last_request    = coalesce(excluded.last_request, s.last_request),
         last_response   = coalesce(excluded.last_response, s.last_response),
         marketplace_id  = coalesce(excluded.marketplace_id, s.marketplace_id),
         -- attempts count deliveries of the current desired payload: a new payload starts over
         attempts        = excluded.attempts + case when excluded.desired_hash is not null
                             and excluded.desired_hash is distinct from s.desired_hash then 0 else s.attempts end,
         last_attempt_at = coalesce(excluded.last_attempt_at, s.last_attempt_at),
         updated_at      = now()`,
      [JSON.stringify(rows)],
    );
  }

  async load(store: string, marketplace: string, skuIds: string[]): Promise<Map<string, SkuStateRow>> {
    const rows = await this.db.query<SkuStateRow>(
      `select s.sku_id, s.status, s.attempts, s.desired_payload, s.desired_hash, s.delivered_hash,
              coalesce(m.marketplace_id, s.marketplace_id) as marketplace_id, s.fixes, s.request_id
       from sku_state s
       left join id_mappings m on m.store = s.store and m.marketplace = s.marketplace and m.sku_id = s.sku_id
       where s.store = $1 and s.marketplace = $2 and s.sku_id = any($3::text[])`,
      [store, marketplace, skuIds],
    );
    return new Map(rows.map((r) => [r.sku_id, r]));
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
