import { inject, injectable } from 'tsyringe';
import type { Database } from '../database/database.js';
import { TOKENS } from '../di/tokens.js';
import type { Notification } from './notification.js';

interface Pending {
  row: { store: string; sku_id: string; payload: Notification; request_id: string };
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Counters since start, for benchmarks and metrics: rows / batches is the mean group size. */
export interface InboxStats {
  batches: number;
  rows: number;
}

/**
 * The durable inbox the webhook writes to. Group commit: notifications queue up and go together in
 * one multi-row INSERT, so ingest is not bounded by one database round trip per request. Each
 * caller's promise resolves only after its row is committed — the webhook answers 2xx then, never
 * before.
 *
 * A flush starts at the end of the current event-loop turn (setImmediate), not at once: the
 * requests the server parses in the same turn join one batch instead of the first of them going
 * out alone. That is not a timer — at low load a lone notification waits microseconds — but under
 * load it is what makes batches form at all on PGlite, whose queries run on this thread: flushing
 * at once gave one-row batches there (measured with bench/ingest: 1.3k vs 5k+ req/s).
 */
@injectable()
export class NotificationInbox {
  private queue: Pending[] = [];
  private inFlight = 0;
  private pumpScheduled = false;
  private readonly listeners: Array<() => void> = [];
  private readonly counters: InboxStats = { batches: 0, rows: 0 };
  /** ~500 B a row: keeps one statement's parameter well under a megabyte. */
  private readonly maxBatch = 500;
  private readonly maxInFlight: number;

  constructor(@inject(TOKENS.Database) private readonly db: Database) {
    // PGlite is one connection: concurrent flushes would only queue behind each other. On pg, a
    // second and third flush overlap the first one's round trip and commit (see bench/README.md).
    this.maxInFlight = db.kind === 'pglite' ? 1 : 3;
  }

  accept(notification: Notification, requestId: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ row: { store: notification.account, sku_id: notification.skuId, payload: notification, request_id: requestId }, resolve, reject });
      this.schedulePump();
    });
  }

  /** Called after every commit (the dispatcher listens, to move new rows on at once). */
  onCommitted(listener: () => void): void {
    this.listeners.push(listener);
  }

  stats(): InboxStats {
    return { ...this.counters };
  }

  private schedulePump() {
    if (this.pumpScheduled || this.inFlight >= this.maxInFlight) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump() {
    while (this.inFlight < this.maxInFlight && this.queue.length) {
      const batch = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch);
      this.queue = batch === this.queue ? [] : this.queue.slice(this.maxBatch);
      this.counters.batches++;
      this.counters.rows += batch.length;
      this.inFlight++;
      void this.flush(batch).finally(() => {
        this.inFlight--;
        if (this.queue.length) this.schedulePump();
      });
    }
  }

  private async flush(batch: Pending[]) {
    const rows = new Array(batch.length);
    for (let i = 0; i < batch.length; i++) rows[i] = batch[i].row;
    try {
      await this.db.query(
        `insert into notifications (store, sku_id, payload, request_id)
         select store, sku_id, payload, request_id
         from jsonb_to_recordset($1::jsonb) as n(store text, sku_id text, payload jsonb, request_id text)`,
        [JSON.stringify(rows)],
      );
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    for (const p of batch) p.resolve();
    for (const listener of this.listeners) listener();
  }

  /** Waits for everything accepted so far to be written (or refused). */
  async drain(): Promise<void> {
    while (this.queue.length || this.inFlight || this.pumpScheduled) await new Promise((r) => setImmediate(r));
  }
}
