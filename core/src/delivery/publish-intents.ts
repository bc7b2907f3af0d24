import { inject, injectable } from 'tsyringe';
import type { Database } from '../database/database.js';
import { TOKENS } from '../di/tokens.js';
import { GroupCommit } from '../util/group-commit.js';

interface IntentKey {
  store: string;
  marketplace: string;
  skuId: string;
}

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

  // Group commit (the creates of a delivery batch are concurrent): one statement for the intents or
  // results that arrive together, each caller resolving once its own row is committed.
  private readonly begins = new GroupCommit<IntentKey>(async (keys) => {
    await this.db.query(
      `insert into publish_intents (store, marketplace, sku_id)
       select distinct store, marketplace, sku_id from jsonb_to_recordset($1::jsonb) as k(store text, marketplace text, sku_id text)
       on conflict (store, marketplace, sku_id) do update set started_at = now()`,
      [JSON.stringify(keys.map((k) => ({ store: k.store, marketplace: k.marketplace, sku_id: k.skuId })))],
    );
  });

  private readonly completions = new GroupCommit<IntentKey & { marketplaceId: string }>(async (results) => {
    // One row per SKU (ON CONFLICT touches a row once per statement): the last answer wins.
    const last = new Map(results.map((r) => [`${r.store}\0${r.marketplace}\0${r.skuId}`, r]));
    await this.db.query(
      `with m as (
         insert into id_mappings (store, marketplace, sku_id, marketplace_id)
         select store, marketplace, sku_id, marketplace_id
         from jsonb_to_recordset($1::jsonb) as r(store text, marketplace text, sku_id text, marketplace_id text)
         on conflict (store, marketplace, sku_id) do update set marketplace_id = excluded.marketplace_id, updated_at = now()
         returning store, marketplace, sku_id
       )
       delete from publish_intents i using m where i.store = m.store and i.marketplace = m.marketplace and i.sku_id = m.sku_id`,
      [JSON.stringify([...last.values()].map((r) => ({ store: r.store, marketplace: r.marketplace, sku_id: r.skuId, marketplace_id: r.marketplaceId })))],
    );
  });

  begin(store: string, marketplace: string, skuId: string): Promise<void> {
    return this.begins.add({ store, marketplace, skuId });
  }

  /** Stores the id mapping and clears the intent, in one statement (both or neither). */
  complete(store: string, marketplace: string, skuId: string, marketplaceId: string): Promise<void> {
    return this.completions.add({ store, marketplace, skuId, marketplaceId });
  }

  async clear(store: string, marketplace: string, skuId: string): Promise<void> {
    await this.db.query('delete from publish_intents where store = $1 and marketplace = $2 and sku_id = $3', [store, marketplace, skuId]);
  }
}
