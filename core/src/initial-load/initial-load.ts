import type { Job, PgBoss } from 'pg-boss';
import { inject, injectable } from 'tsyringe';
import type { Database } from '../database/database.js';
import { TOKENS } from '../di/tokens.js';
import { Errors } from '../errors/errors.js';
import type { SkuRefreshJob } from '../ingest/dispatcher.js';
import type { Logger } from '../logging/logger.js';
import { QueueNames } from '../queue/queue-names.js';
import type { StoreRegistry } from '../stores/store-registry.js';
import type { VtexClients } from '../vtex/vtex-clients.js';

/** VTEX's page size for the trade policy's SKU list. */
export const DEFAULT_PAGE_SIZE = 1000;
/** States after which a SKU of the load needs nothing more (delivered, or waiting on the seller). */
export const SETTLED = ['synced', 'failed', 'invalid', 'pending-category', 'dead', 'blocked'];

export interface InitialLoadPageJob {
  loadId: number;
  page: number;
}

export type InitialLoadStatus = 'listing' | 'running' | 'done' | 'cancelled';

export interface InitialLoadProgress {
  id: number;
  store: string;
  marketplace: string;
  status: InitialLoadStatus;
  /** SKUs listed from VTEX so far (the total, once `listingDone`). */
  listed: number;
  listingDone: boolean;
  /** SKUs of the load that went through the pipeline to a final state for the marketplace. */
  settled: number;
  /** Of those, the ones delivered (synced). */
  synced: number;
  startedAt: string;
  finishedAt: string | null;
}

interface LoadRow {
  id: number;
  store: string;
  marketplace: string;
  status: InitialLoadStatus;
  next_page: number;
  page_size: number;
  listed: number;
  created_at: string;
  listed_at: string | null;
  finished_at: string | null;
}

/**
 * The initial load of an integration: every SKU of the store's trade policy, listed from VTEX page
 * by page (never all ids in memory) and enqueued in bulk (pg-boss `insert`) to the pipeline for that
 * marketplace only. Each page is one pg-boss job whose SKUs, refresh jobs and cursor are written in
 * one transaction, so a crash resumes exactly where it stopped; SKUs already delivered are not sent
 * again (the pipeline skips an unchanged payload, and a create in flight is looked up, not repeated).
 */
@injectable()
export class InitialLoad {
  constructor(
    @inject(TOKENS.Database) private readonly db: Database,
    @inject(TOKENS.Boss) private readonly boss: PgBoss,
    @inject(TOKENS.StoreRegistry) private readonly stores: StoreRegistry,
    @inject(TOKENS.VtexClients) private readonly vtex: VtexClients,
    @inject(TOKENS.Logger) private readonly log: Logger,
  ) {}

  /** Starts a load of `store` × `marketplace`, or resumes the one still unfinished. */
  async start(store: string, marketplace: string, options: { pageSize?: number } = {}): Promise<InitialLoadProgress> {
    const integration = this.stores.integration(store, marketplace);
    if (!this.stores.get(store)) throw Errors.invalidArgument('store', `unknown store "${store}" (configured: ${this.stores.list().map((s) => s.account).join(', ')})`);
    if (!integration) throw Errors.invalidArgument('marketplace', `store "${store}" has no integration "${marketplace}"`);
    if (!integration.enabled) throw Errors.invalidArgument('marketplace', `the ${marketplace} integration of "${store}" is disabled (integrations[].enabled)`);
    const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) throw Errors.invalidArgument('pageSize', 'must be an integer from 1 to 1000 (VTEX lists at most 1000 SKU ids a page)');
    let [load] = await this.db.query<LoadRow>(`select * from initial_loads where store = $1 and marketplace = $2 and status in ('listing', 'running')`, [store, marketplace]);
    if (!load) {
      [load] = await this.db.query<LoadRow>(
        `insert into initial_loads (store, marketplace, status, page_size) values ($1, $2, 'listing', $3)
         on conflict (store, marketplace) where status in ('listing', 'running') do update set status = initial_loads.status
         returning *`,
        [store, marketplace, pageSize],
      );
      this.log.info({ store, marketplace, loadId: load!.id }, 'initial load started');
    } else {
      this.log.info({ store, marketplace, loadId: load.id, page: load.next_page, listed: load.listed }, 'initial load resumed');
    }
    // (Again) the job for the next page: a duplicate finds the cursor moved and does nothing.
    if (load!.status === 'listing') await this.boss.send(QueueNames.initialLoad(), { loadId: Number(load!.id), page: Number(load!.next_page) });
    return this.progress(Number(load!.id));
  }

  /** One page: list it from VTEX, then in one transaction record its SKUs, enqueue them and move the cursor. */
  async handlePage(job: Job<InitialLoadPageJob>): Promise<void> {
    const { loadId, page } = job.data;
    const [load] = await this.db.query<LoadRow>('select * from initial_loads where id = $1', [loadId]);
    if (!load || load.status !== 'listing' || Number(load.next_page) !== page) return;
    const ids = (await this.vtex.for(load.store).listSkuIds(page, Number(load.page_size))).map(String);
    const last = ids.length < Number(load.page_size);
    await this.db.transaction(async (tx) => {
      const [locked] = await tx.query<LoadRow>('select * from initial_loads where id = $1 for update', [loadId]);
      if (!locked || locked.status !== 'listing' || Number(locked.next_page) !== page) return;
      const fresh = ids.length
        ? (
            await tx.query<{ sku_id: string }>(
              `insert into initial_load_skus (load_id, sku_id) select $1, unnest($2::text[]) on conflict do nothing returning sku_id`,
              [loadId, ids],
            )
          ).map((r) => r.sku_id)
        : [];
      if (fresh.length) {
        const jobs = fresh.map((skuId) => ({
          data: { skuId, requestId: `initial-load-${loadId}`, marketplaces: [load.marketplace], refresh: 'full' } satisfies SkuRefreshJob,
          // Its own key: it must neither swallow nor be swallowed by a notification's refresh of the same SKU.
          singletonKey: `${skuId}/${load.marketplace}`,
        }));
        await this.boss.insert(QueueNames.skuRefresh(load.store), jobs, { db: tx.bossDb });
      }
      await tx.query(
        `update initial_loads set next_page = next_page + 1, listed = listed + $2,
           status = case when $3 then 'running' else status end, listed_at = case when $3 then now() else listed_at end
         where id = $1`,
        [loadId, fresh.length, last],
      );
      if (!last) await this.boss.insert(QueueNames.initialLoad(), [{ data: { loadId, page: page + 1 } }], { db: tx.bossDb });
    });
    if (last) this.log.info({ loadId, store: load.store, marketplace: load.marketplace }, 'initial load: every SKU listed and enqueued');
  }

  /** Where a load stands; marks it done once every SKU is settled. */
  async progress(loadId: number): Promise<InitialLoadProgress> {
    // One pass over the load's SKUs for both counts (the CLI asks twice a second during a load).
    const [row] = await this.db.query<LoadRow & { settled: number; synced: number }>(
      `select l.*, c.settled, c.synced
       from initial_loads l
       cross join lateral (
         select count(*) filter (where st.status = any($2::text[]))::int as settled,
                count(*) filter (where st.status = 'synced')::int as synced
         from initial_load_skus s join sku_state st on st.store = l.store and st.marketplace = l.marketplace and st.sku_id = s.sku_id
         where s.load_id = l.id and st.updated_at >= l.created_at
       ) c
       where l.id = $1`,
      [loadId, SETTLED],
    );
    if (!row) throw Errors.invalidArgument('loadId', `no initial load ${loadId}`);
    let status = row.status;
    let finishedAt = row.finished_at;
    if (status === 'running' && Number(row.settled) >= Number(row.listed)) {
      const [done] = await this.db.query<{ finished_at: string }>(`update initial_loads set status = 'done', finished_at = now() where id = $1 and status = 'running' returning finished_at`, [loadId]);
      status = 'done';
      finishedAt = done?.finished_at ?? finishedAt;
      this.log.info({ loadId, store: row.store, marketplace: row.marketplace, skus: row.listed }, 'initial load done');
    }
    return {
      id: Number(row.id),
      store: row.store,
      marketplace: row.marketplace,
      status,
      listed: Number(row.listed),
      listingDone: status !== 'listing',
      settled: Number(row.settled),
      synced: Number(row.synced),
      startedAt: new Date(row.created_at).toISOString(),
      finishedAt: finishedAt ? new Date(finishedAt).toISOString() : null,
    };
  }

  async list(store?: string, marketplace?: string): Promise<InitialLoadProgress[]> {
    const rows = await this.db.query<{ id: number }>(
      `select id from initial_loads where ($1::text is null or store = $1) and ($2::text is null or marketplace = $2) order by id desc limit 50`,
      [store ?? null, marketplace ?? null],
    );
    return Promise.all(rows.map((r) => this.progress(Number(r.id))));
  }

  /** Stops listing; SKUs already enqueued still go through. */
  async cancel(loadId: number): Promise<void> {
    await this.db.query(`update initial_loads set status = 'cancelled', finished_at = now() where id = $1 and status in ('listing', 'running')`, [loadId]);
  }
}
