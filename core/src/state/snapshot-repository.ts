import { inject, injectable } from 'tsyringe';
import type { Database } from '../database/database.js';
import { TOKENS } from '../di/tokens.js';
import type { SkuSnapshot } from '../vtex/types.js';

/** The last VTEX truth per store × SKU, shared by every marketplace of the store. */
@injectable()
export class SnapshotRepository {
  constructor(@inject(TOKENS.Database) private readonly db: Database) {}

  async saveMany(snapshots: SkuSnapshot[]): Promise<void> {
    if (!snapshots.length) return;
    await this.db.query(
      `insert into sku_snapshots (store, sku_id, snapshot, fetched_at)
       select store, sku_id, snapshot, fetched_at
       from jsonb_to_recordset($1::jsonb) as s(store text, sku_id text, snapshot jsonb, fetched_at timestamptz)
       on conflict (store, sku_id) do update set snapshot = excluded.snapshot, fetched_at = excluded.fetched_at`,
      [JSON.stringify(snapshots.map((s) => ({ store: s.store, sku_id: s.skuId, snapshot: s, fetched_at: s.fetchedAt })))],
    );
  }

  async loadMany(store: string, skuIds: string[]): Promise<Map<string, SkuSnapshot>> {
    const rows = await this.db.query<{ sku_id: string; snapshot: SkuSnapshot }>(
      'select sku_id, snapshot from sku_snapshots where store = $1 and sku_id = any($2::text[])',
      [store, skuIds],
    );
    return new Map(rows.map((r) => [r.sku_id, r.snapshot]));
  }
}
