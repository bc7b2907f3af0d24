import type { Database } from '../database/database.js';
import type { Logger } from '../logging/logger.js';
import type { HttpCallRecord } from '../plugins/http-meter.js';
import { callOutcome } from './metrics.js';

const FLUSH_MS = 5_000;

/**
 * Per-minute counts of marketplace 429s for the admin UI's activity chart (`activity_counts`). The
 * meter only bumps an in-memory map; one upsert every few seconds writes it, so the delivery path
 * never waits for this. Other series (notifications, updates, errors) come from their own tables.
 */
export class ActivityRecorder {
  private pending = new Map<string, { store: string; marketplace: string; kind: string; minute: string; count: number }>();
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private lastPurge = 0;

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    private readonly retentionDays: number,
  ) {}

  observeCall(call: HttpCallRecord): void {
    if (callOutcome(call) !== '429') return;
    this.count(call.store, call.marketplace, 'rate-limited', Date.parse(call.at) || Date.now());
  }

  count(store: string, marketplace: string, kind: string, at: number): void {
    const minute = new Date(Math.floor(at / 60_000) * 60_000).toISOString();
    const k = `${store}\0${marketplace}\0${kind}\0${minute}`;
    const entry = this.pending.get(k);
    if (entry) entry.count++;
    else this.pending.set(k, { store, marketplace, kind, minute, count: 1 });
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, FLUSH_MS).unref();
  }

  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write()).catch((error: unknown) => this.log.warn({ err: error }, 'could not record activity counts'));
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private async write() {
    if (!this.pending.size) return;
    const rows = [...this.pending.values()];
    this.pending = new Map();
    await this.db.query(
      `insert into activity_counts as a (store, marketplace, kind, minute, count)
       select store, marketplace, kind, minute, count
       from jsonb_to_recordset($1::jsonb) as r(store text, marketplace text, kind text, minute timestamptz, count int)
       on conflict (store, marketplace, kind, minute) do update set count = a.count + excluded.count`,
      [JSON.stringify(rows)],
    );
    if (Date.now() - this.lastPurge > 3_600_000) {
      this.lastPurge = Date.now();
      await this.db.query(`delete from activity_counts where minute < now() - make_interval(days => $1)`, [this.retentionDays]);
    }
  }
}
