import { inject, injectable } from 'tsyringe';
import type { Database } from '../database/database.js';
import { TOKENS } from '../di/tokens.js';

/**
 * Creates sent whose answer is not recorded yet. A crash (or a timeout) between the marketplace
 * creating an item and us storing its id would otherwise create it twice on the next attempt: with
 * an intent on record, the next attempt first looks the item up by seller SKU and adopts its id.
 */
@injectable()
export class PublishIntents {
  constructor(@inject(TOKENS.Database) private readonly db: Database) {}

  async pending(store: string, marketplace: string, skuIds: string[]): Promise<Set<string>> {
    if (!skuIds.length) return new Set();
    const rows = await this.db.query<{ sku_id: string }>(
      'select sku_id from publish_intents where store = $1 and marketplace = $2 and sku_id = any($3::text[])',
      [store, marketplace, skuIds],
    );
    return new Set(rows.map((r) => r.sku_id));
  }

  async begin(store: string, marketplace: string, skuId: string): Promise<void> {
    await this.db.query(
      `insert into publish_intents (store, marketplace, sku_id) values ($1, $2, $3)
       on conflict (store, marketplace, sku_id) do update set started_at = now()`,
      [store, marketplace, skuId],
    );
  }

  /** Stores the id mapping and clears the intent, in one statement (both or neither). */
  async complete(store: string, marketplace: string, skuId: string, marketplaceId: string): Promise<void> {
    await this.db.query(
      `with m as (
         insert into id_mappings (store, marketplace, sku_id, marketplace_id) values ($1, $2, $3, $4)
         on conflict (store, marketplace, sku_id) do update set marketplace_id = excluded.marketplace_id, updated_at = now()
         returning sku_id
       )
       delete from publish_intents where store = $1 and marketplace = $2 and sku_id in (select sku_id from m)`,
      [store, marketplace, skuId, marketplaceId],
    );
  }

  async clear(store: string, marketplace: string, skuId: string): Promise<void> {
    await this.db.query('delete from publish_intents where store = $1 and marketplace = $2 and sku_id = $3', [store, marketplace, skuId]);
  }
}
