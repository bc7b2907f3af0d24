import type { PgBoss } from 'pg-boss';
import { inject, injectable } from 'tsyringe';
import type { Database } from '../database/database.js';
import { TOKENS } from '../di/tokens.js';
import type { Logger } from '../logging/logger.js';
import { QueueNames } from '../queue/queue-names.js';
import type { StoreRegistry } from '../stores/store-registry.js';
import { unknownStoreLog } from '../oplog/notification-log.js';
import type { OperationLog, OperationLogEntry } from '../oplog/operation-log.js';
import type { NotificationInbox } from './notification-inbox.js';

export interface SkuRefreshJob {
  skuId: string;
  /** The request id of the notification that started this work, carried through every stage. */
  requestId: string;
  /** Only these marketplaces (an initial load or a reconciliation repair for one); absent: every enabled one. */
  marketplaces?: string[];
  /**
   * Set by producers other than the notification dispatcher (initial load, reconciliation): what to
   * re-read without a notification. Jobs without it re-read what the SKU's pending notifications say.
   */
  refresh?: 'full' | 'offer';
}

const BATCH = 1000;
const LEASE_SECONDS = 30;
const IDLE_POLL_MS = 1000;

/**
 * The `notification` stage: moves committed inbox rows to each store's `sku-refresh` queue.
 * Rows are leased (not deleted) while they are moved, so a crash between the lease and the enqueue
 * only delays them until the lease expires; the queue's `stately` policy absorbs the duplicates a
 * crash can cause and coalesces bursts for one SKU. Rows stay as the notification history.
 */
@injectable()
export class Dispatcher {
  private running = false;
  private wake?: () => void;
  private loop?: Promise<void>;

  constructor(
    @inject(TOKENS.Database) private readonly db: Database,
    @inject(TOKENS.Boss) private readonly boss: PgBoss,
    @inject(TOKENS.StoreRegistry) private readonly stores: StoreRegistry,
    @inject(TOKENS.NotificationInbox) inbox: NotificationInbox,
    @inject(TOKENS.OperationLog) private readonly oplog: OperationLog,
    @inject(TOKENS.Logger) private readonly log: Logger,
  ) {
    inbox.onCommitted(() => this.wake?.());
  }

  start() {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop() {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private async run() {
    while (this.running) {
      let moved = 0;
      try {
        moved = await this.dispatchOnce();
      } catch (error) {
        this.log.warn({ err: error }, 'notification dispatch failed; will retry');
      }
      if (moved < BATCH && this.running) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, IDLE_POLL_MS);
          this.wake = () => {
            clearTimeout(timer);
            this.wake = undefined;
            resolve();
          };
        });
      }
    }
  }

  /** Moves one batch; returns how many inbox rows it handled. */
  async dispatchOnce(): Promise<number> {
    const claimed = await this.db.query<{ id: number; store: string; sku_id: string; request_id: string }>(
      `update notifications n set claimed_until = now() + make_interval(secs => $2)
       from (select id from notifications
             where dispatched_at is null and (claimed_until is null or claimed_until < now())
             order by id limit $1 for update skip locked) c
       where n.id = c.id
       returning n.id, n.store, n.sku_id, n.request_id`,
      [BATCH, LEASE_SECONDS],
    );
    if (!claimed.length) return 0;

    const byStore = new Map<string, Map<string, SkuRefreshJob>>();
    const dropped: OperationLogEntry[] = [];
    for (const row of claimed) {
      if (!this.stores.get(row.store)) {
        this.log.warn({ store: row.store, skuId: row.sku_id }, 'notification for a store no longer configured; dropped');
        dropped.push(unknownStoreLog(row.store, row.sku_id, row.request_id));
        continue;
      }
      let jobs = byStore.get(row.store);
      if (!jobs) byStore.set(row.store, (jobs = new Map()));
      // Oldest notification wins the request id: it is the one that started the work.
      if (!jobs.has(row.sku_id)) jobs.set(row.sku_id, { skuId: row.sku_id, requestId: row.request_id });
    }
    for (const [store, jobs] of byStore) {
      await this.boss.insert(
        QueueNames.skuRefresh(store),
        [...jobs.values()].map((data) => ({ data, singletonKey: data.skuId })),
      );
    }
    await this.oplog.write(dropped);
    await this.db.query(`update notifications set dispatched_at = now(), claimed_until = null where id = any($1::bigint[])`, [
      claimed.map((r) => r.id),
    ]);
    return claimed.length;
  }
}
