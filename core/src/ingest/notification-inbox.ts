import { inject, injectable } from 'tsyringe';
import type { Database } from '../database/database.js';
import { TOKENS } from '../di/tokens.js';
import type { Notification } from './notification.js';

interface Pending {
  row: { store: string; sku_id: string; payload: Notification; request_id: string };
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The durable inbox the webhook writes to. Group commit: while one INSERT is in flight, arriving
 * notifications queue up and go together in the next one, so ingest is not bounded by one database
 * round trip per request, and nobody waits on a timer at low load. Each caller's promise resolves
 * only after the row is committed — the webhook answers 2xx then, never before.
 */
@injectable()
export class NotificationInbox {
  private queue: Pending[] = [];
  private inFlight = 0;
  private readonly listeners: Array<() => void> = [];
  private readonly maxBatch = 500;
  private readonly maxInFlight: number;

  constructor(@inject(TOKENS.Database) private readonly db: Database) {
    // PGlite is one connection: concurrent flushes would only queue behind each other.
    this.maxInFlight = db.kind === 'pglite' ? 1 : 3;
  }

  accept(notification: Notification, requestId: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ row: { store: notification.account, sku_id: notification.skuId, payload: notification, request_id: requestId }, resolve, reject });
      this.pump();
    });
  }

  /** Called after every commit (the dispatcher listens, to move new rows on at once). */
  onCommitted(listener: () => void): void {
    this.listeners.push(listener);
  }

  private pump() {
    while (this.inFlight < this.maxInFlight && this.queue.length) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      this.flush(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async flush(batch: Pending[]) {
    try {
      await this.db.query(
        `insert into notifications (store, sku_id, payload, request_id)
         select store, sku_id, payload, request_id
         from jsonb_to_recordset($1::jsonb) as n(store text, sku_id text, payload jsonb, request_id text)`,
        [JSON.stringify(batch.map((p) => p.row))],
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
    while (this.queue.length || this.inFlight) await new Promise((r) => setImmediate(r));
  }
}
