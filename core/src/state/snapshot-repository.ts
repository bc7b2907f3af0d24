import { inject, injectable } from 'tsyringe';
import type { Database } from '../database/database.js';
import { TOKENS } from '../di/tokens.js';
import type { SkuSnapshot, SnapshotRefresh, VtexOffer } from '../vtex/types.js';

/** What a refresh needs to know of a SKU's stored snapshot (not its catalog data). */
export interface SnapshotHead {
  /** VTEX knew the SKU at the last full read. */
  hasSku: boolean;
  /** When the SKU and product were last read. */
  catalogFetchedAt: string;
}

/** An offer-only refresh: the simulation re-read, over the catalog data of the stored snapshot. */
export interface OfferRefresh {
  store: string;
  skuId: string;
  fetchedAt: string;
  offer: VtexOffer | null;
  salesChannel: number;
  refresh: SnapshotRefresh;
}

/**
 * The last VTEX truth per store × SKU, shared by every marketplace of the store. A full refresh
 * writes the whole document (`snapshot`); an offer-only refresh writes just the new offer beside it
 * (`offer_refresh`, a few hundred bytes instead of the ~3.5 KB catalog document it did not re-read).
 * Readers get `snapshot` with `offer_refresh` laid over it.
 */
@injectable()
export class SnapshotRepository {
  constructor(@inject(TOKENS.Database) private readonly db: Database) {}

  async saveMany(snapshots: SkuSnapshot[]): Promise<void> {
    if (!snapshots.length) return;
    await this.db.query(
      `insert into sku_snapshots (store, sku_id, snapshot, fetched_at)
       select store, sku_id, snapshot, fetched_at
       from jsonb_to_recordset($1::jsonb) as s(store text, sku_id text, snapshot jsonb, fetched_at timestamptz)
       on conflict (store, sku_id) do update set snapshot = excluded.snapshot, fetched_at = excluded.fetched_at, offer_refresh = null`,
      [JSON.stringify(snapshots.map((s) => ({ store: s.store, sku_id: s.skuId, snapshot: s, fetched_at: s.fetchedAt })))],
    );
  }

  /** Records offer-only refreshes; returns the SKUs that had no snapshot to lay them over. */
  async saveOffers(refreshes: OfferRefresh[]): Promise<string[]> {
    if (!refreshes.length) return [];
    const rows = await this.db.query<{ sku_id: string }>(
      `update sku_snapshots s set offer_refresh = r.offer_refresh, fetched_at = r.fetched_at
       from jsonb_to_recordset($1::jsonb) as r(store text, sku_id text, fetched_at timestamptz, offer_refresh jsonb)
       where s.store = r.store and s.sku_id = r.sku_id
       returning s.sku_id`,
      [
        JSON.stringify(
          refreshes.map((r) => ({
            store: r.store,
            sku_id: r.skuId,
            fetched_at: r.fetchedAt,
            offer_refresh: { fetchedAt: r.fetchedAt, offer: r.offer, salesChannel: r.salesChannel, refresh: r.refresh },
          })),
        ),
      ],
    );
    const saved = new Set(rows.map((r) => r.sku_id));
    return refreshes.filter((r) => !saved.has(r.skuId)).map((r) => r.skuId);
  }

  /** Whether VTEX knew each SKU at its last full read, and when that was; without reading the documents. */
  async heads(store: string, skuIds: string[]): Promise<Map<string, SnapshotHead>> {
    if (!skuIds.length) return new Map();
    // The document is read only when no offer-only refresh followed its full read (coalesce is lazy).
    const rows = await this.db.query<{ sku_id: string; has_sku: boolean; catalog_fetched_at: string }>(
      `select s.sku_id, s.has_sku,
              coalesce(s.offer_refresh->'refresh'->>'catalogFetchedAt', s.snapshot->'refresh'->>'catalogFetchedAt', s.snapshot->>'fetchedAt') as catalog_fetched_at
       from unnest($2::text[]) as k(sku_id) join sku_snapshots s on s.store = $1 and s.sku_id = k.sku_id`,
      [store, skuIds],
    );
    return new Map(rows.map((r) => [r.sku_id, { hasSku: Boolean(r.has_sku), catalogFetchedAt: r.catalog_fetched_at }]));
  }

  async loadMany(store: string, skuIds: string[]): Promise<Map<string, SkuSnapshot>> {
    if (!skuIds.length) return new Map();
    const rows = await this.db.query<{ sku_id: string; snapshot: SkuSnapshot; offer_refresh: Partial<SkuSnapshot> | null }>(
      `select s.sku_id, s.snapshot, s.offer_refresh
       from unnest($2::text[]) as k(sku_id) join sku_snapshots s on s.store = $1 and s.sku_id = k.sku_id`,
      [store, skuIds],
    );
    return new Map(rows.map((r) => [r.sku_id, r.offer_refresh ? { ...r.snapshot, ...r.offer_refresh } : r.snapshot]));
  }
}

/** SQL for a stored snapshot as stages see it (the document with the latest offer-only refresh laid over). */
export const SNAPSHOT_SQL = (alias: string) => `(${alias}.snapshot || coalesce(${alias}.offer_refresh, '{}'::jsonb))`;
