import type { PgBoss } from 'pg-boss';
import { inject, injectable } from 'tsyringe';
import type { Database } from '../database/database.js';
import { TOKENS } from '../di/tokens.js';
import { Errors } from '../errors/errors.js';
import type { Logger } from '../logging/logger.js';
import { enqueueMarketplaceSync } from '../state/resync.js';
import type { StoreRegistry } from '../stores/store-registry.js';

export interface CategoryMapping {
  vtexCategoryId: string;
  marketplaceCategoryId: string;
  /** `config` when it comes from the config file (which wins at every start), `api` when set at runtime. */
  source: 'config' | 'api';
  updatedAt: string;
}

/** SKUs that wait for a category's mapping: unmapped (pending-category), or invalid with the missing mapping among their fixes. */
const WAITING = `status in ('pending-category', 'invalid')`;

/**
 * VTEX category → marketplace category, per integration (store × marketplace). A SKU whose
 * category is unmapped waits in `pending-category` (E4); `set` persists a mapping and releases every
 * waiting SKU of that category at once, from the stored snapshots — no new notification needed.
 * The config file's `categoryMappings` seed the table at start.
 */
@injectable()
export class CategoryMappings {
  constructor(
    @inject(TOKENS.Database) private readonly db: Database,
    @inject(TOKENS.Boss) private readonly boss: PgBoss,
    @inject(TOKENS.StoreRegistry) private readonly stores: StoreRegistry,
    @inject(TOKENS.Logger) private readonly log: Logger,
  ) {}

  /**
   * Writes the config file's mappings (they win over runtime ones for the same category), drops
   * config mappings the file no longer has, and releases SKUs waiting on any mapping that changed.
   */
  async seed(): Promise<void> {
    for (const store of this.stores.list()) {
      for (const integration of store.integrations) {
        const wanted = Object.entries(integration.categoryMappings).map(([vtex, mp]) => ({ vtex_category_id: vtex, marketplace_category_id: mp }));
        const changed = await this.db.transaction(async (tx) => {
          await tx.query(
            `delete from category_mappings where store = $1 and marketplace = $2 and source = 'config'
               and not (vtex_category_id = any($3::text[]))`,
            [store.account, integration.marketplace, wanted.map((w) => w.vtex_category_id)],
          );
          return tx.query<{ vtex_category_id: string }>(
            `insert into category_mappings as c (store, marketplace, vtex_category_id, marketplace_category_id, source)
             select $1, $2, vtex_category_id, marketplace_category_id, 'config'
             from jsonb_to_recordset($3::jsonb) as m(vtex_category_id text, marketplace_category_id text)
             on conflict (store, marketplace, vtex_category_id) do update set
               marketplace_category_id = excluded.marketplace_category_id, source = 'config', updated_at = now()
               where c.marketplace_category_id is distinct from excluded.marketplace_category_id or c.source <> 'config'
             returning vtex_category_id`,
            [store.account, integration.marketplace, JSON.stringify(wanted)],
          );
        });
        for (const { vtex_category_id } of changed) await this.release(store.account, integration.marketplace, vtex_category_id);
      }
    }
  }

  /** The integration's mappings, VTEX category id → marketplace category id. */
  async forIntegration(store: string, marketplace: string): Promise<Map<string, string>> {
    const rows = await this.db.query<{ vtex_category_id: string; marketplace_category_id: string }>(
      'select vtex_category_id, marketplace_category_id from category_mappings where store = $1 and marketplace = $2',
      [store, marketplace],
    );
    return new Map(rows.map((r) => [r.vtex_category_id, r.marketplace_category_id]));
  }

  async list(store: string, marketplace: string): Promise<CategoryMapping[]> {
    this.integration(store, marketplace);
    const rows = await this.db.query<{ vtex_category_id: string; marketplace_category_id: string; source: 'config' | 'api'; updated_at: string }>(
      `select vtex_category_id, marketplace_category_id, source, updated_at from category_mappings
       where store = $1 and marketplace = $2 order by vtex_category_id`,
      [store, marketplace],
    );
    return rows.map((r) => ({
      vtexCategoryId: r.vtex_category_id,
      marketplaceCategoryId: r.marketplace_category_id,
      source: r.source,
      updatedAt: new Date(r.updated_at).toISOString(),
    }));
  }

  /**
   * Maps `vtexCategoryId` to `marketplaceCategoryId` for the integration and releases the SKUs
   * waiting on it (and re-checks the ones already published in that category, when the target
   * changed). Returns how many SKUs were put back through marketplace-sync.
   */
  async set(store: string, marketplace: string, vtexCategoryId: string, marketplaceCategoryId: string): Promise<{ released: number; requestId?: string }> {
    this.integration(store, marketplace);
    const vtexId = String(vtexCategoryId ?? '').trim();
    const target = typeof marketplaceCategoryId === 'string' ? marketplaceCategoryId.trim() : '';
    if (!/^[0-9]{1,18}$/.test(vtexId)) throw Errors.invalidArgument('vtexCategoryId', `"${vtexCategoryId}" is not a VTEX category id (digits, e.g. "1234")`);
    if (!target || target.length > 200) throw Errors.invalidArgument('marketplaceCategoryId', 'must be a non-empty marketplace category id of at most 200 characters');
    return this.db.transaction(async (tx) => {
      const [previous] = await tx.query<{ marketplace_category_id: string }>(
        'select marketplace_category_id from category_mappings where store = $1 and marketplace = $2 and vtex_category_id = $3 for update',
        [store, marketplace, vtexId],
      );
      await tx.query(
        `insert into category_mappings (store, marketplace, vtex_category_id, marketplace_category_id, source)
         values ($1, $2, $3, $4, 'api')
         on conflict (store, marketplace, vtex_category_id) do update set
           marketplace_category_id = excluded.marketplace_category_id, source = 'api', updated_at = now()`,
        [store, marketplace, vtexId, target],
      );
      const changed = previous && previous.marketplace_category_id !== target;
      // Waiting SKUs always; when the target changed, the published ones too (their payload changes).
      const skus = await tx.query<{ sku_id: string }>(
        `select sku_id from sku_state where store = $1 and marketplace = $2 and vtex_category_id = $3
           and (${WAITING} or $4::boolean)`,
        [store, marketplace, vtexId, Boolean(changed)],
      );
      if (!skus.length) return { released: 0 };
      const requestId = await enqueueMarketplaceSync(this.boss, store, marketplace, skus.map((s) => s.sku_id), 'category-mapping', tx);
      this.log.info({ store, marketplace, vtexCategoryId: vtexId, marketplaceCategoryId: target, released: skus.length }, 'category mapped; waiting SKUs released');
      return { released: skus.length, requestId };
    });
  }

  /** Removes a mapping; SKUs of that category already published stay, new ones wait in pending-category. */
  async remove(store: string, marketplace: string, vtexCategoryId: string): Promise<boolean> {
    this.integration(store, marketplace);
    const rows = await this.db.query('delete from category_mappings where store = $1 and marketplace = $2 and vtex_category_id = $3 returning 1', [
      store,
      marketplace,
      String(vtexCategoryId),
    ]);
    return rows.length > 0;
  }

  private async release(store: string, marketplace: string, vtexCategoryId: string) {
    const skus = await this.db.query<{ sku_id: string }>(
      `select sku_id from sku_state where store = $1 and marketplace = $2 and vtex_category_id = $3 and ${WAITING}`,
      [store, marketplace, vtexCategoryId],
    );
    if (skus.length) await enqueueMarketplaceSync(this.boss, store, marketplace, skus.map((s) => s.sku_id), 'category-mapping');
  }

  private integration(store: string, marketplace: string) {
    if (!this.stores.get(store)) throw Errors.invalidArgument('store', `"${store}" is not a configured store (An)`);
    if (!this.stores.integration(store, marketplace)) throw Errors.invalidArgument('marketplace', `store ${store} has no ${marketplace} integration`);
  }
}
