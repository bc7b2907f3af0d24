import type { PgBoss } from 'pg-boss';
import { inject, injectable } from 'tsyringe';
import type { ConnectorConfig } from '../config/types.js';
import type { Database } from '../database/database.js';
import { TOKENS } from '../di/tokens.js';
import type { Logger } from '../logging/logger.js';
import { QueueNames } from '../queue/queue-names.js';
import type { StoreRegistry } from '../stores/store-registry.js';
import { unknownStoreLog } from '../oplog/notification-log.js';
import type { OperationLog, OperationLogEntry } from '../oplog/operation-log.js';
import type { SkuRefreshStage } from '../pipeline/sku-refresh.js';
import type { Clock } from '../util/clock.js';
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
const IDLE_POLL_MS = 1000;
/**
 * After a pass that moved rows, the next one waits this long for more: one pass (lease, enqueue,
 * mark) per ~50 ms of notifications instead of one per inbox commit. The first notification after a
 * quiet spell still goes at once, and refreshes wait `quietMs` (1 s by default) anyway.
 */
const GATHER_MS = 50;

/**
 * The `notification` stage: moves committed inbox rows to each store's `sku-refresh` queue. One
 * transaction per batch claims the rows (`for update skip locked`: processes never take the same
 * ones), enqueues their refresh jobs and marks them dispatched — a crash in between loses and
 * duplicates nothing. (Rows a process of an older version leased, `claimed_until`, are left to it
 * until the lease expires.) The queue's `stately` policy coalesces bursts for one SKU. Rows stay as
 * the notification history.
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
    @inject(TOKENS.Config) private readonly config: ConnectorConfig,
    @inject(TOKENS.SkuRefreshStage) private readonly refresh: SkuRefreshStage,
    @inject(TOKENS.Clock) private readonly clock: Clock,
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
      if (moved > 0 && moved < BATCH && this.running) {
        await new Promise<void>((resolve) => setTimeout(resolve, GATHER_MS));
      } else if (moved < BATCH && this.running) {
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

  /**
   * Moves one batch; returns how many inbox rows it handled. A SKU's refresh job is due when its
   * newest notification here has been quiet for `pipeline.coalesce.quietMs` (capped by `maxDelayMs`):
   * it cannot be refreshed sooner, and a job that came due early would only be fetched to be
   * deferred (the refresh still checks quietness itself when it runs: more notifications may come).
   */
  async dispatchOnce(): Promise<number> {
    const { quietMs, maxDelayMs } = this.config.pipeline.coalesce;
    const wakes = new Map<string, number>();
    const moved = await this.db.transaction(async (tx) => {
      const claimed = await tx.query<{ id: number; store: string; sku_id: string; request_id: string; due_in_ms: number }>(
        `update notifications n set dispatched_at = now(), claimed_until = null
         from (select id from notifications
               where dispatched_at is null and (claimed_until is null or claimed_until < now())
               order by id limit $1 for update skip locked) c
         where n.id = c.id
         returning n.id, n.store, n.sku_id, n.request_id,
                   greatest(0, extract(epoch from (n.received_at - now())) * 1000 + $2)::float8 as due_in_ms`,
        [BATCH, Math.min(quietMs, maxDelayMs)],
      );
      if (!claimed.length) return 0;

      const byStore = new Map<string, Map<string, { data: SkuRefreshJob; dueInMs: number }>>();
      const dropped: OperationLogEntry[] = [];
      for (const row of claimed) {
        if (!this.stores.get(row.store)) {
          this.log.warn({ store: row.store, skuId: row.sku_id }, 'notification for a store no longer configured; dropped');
          dropped.push(unknownStoreLog(row.store, row.sku_id, row.request_id));
          continue;
        }
        let jobs = byStore.get(row.store);
        if (!jobs) byStore.set(row.store, (jobs = new Map()));
        // Oldest notification wins the request id: it is the one that started the work; the newest sets when it is due.
        const job = jobs.get(row.sku_id);
        if (!job) jobs.set(row.sku_id, { data: { skuId: row.sku_id, requestId: row.request_id }, dueInMs: Number(row.due_in_ms) });
        else job.dueInMs = Math.max(job.dueInMs, Number(row.due_in_ms));
      }
      for (const [store, jobs] of byStore) {
        let latest = 0;
        await this.boss.insert(
          QueueNames.skuRefresh(store),
          [...jobs.values()].map(({ data, dueInMs }) => {
            latest = Math.max(latest, dueInMs);
            // Seconds from the database's now (pg-boss adds them to its job_now()).
            return { data, singletonKey: data.skuId, ...(dueInMs > 0 ? { startAfter: dueInMs / 1000 } : {}) };
          }),
          { db: tx.bossDb },
        );
        if (latest > 0) wakes.set(store, latest);
      }
      await this.oplog.write(dropped, tx);
      return claimed.length;
    });
    const now = this.clock.now();
    for (const [store, latest] of wakes) this.refresh.wakeAt(store, now + latest + 100);
    return moved;
  }
}
