import type { Database } from '../database/database.js';

export type StrikeKind = 'crash' | 'out-of-memory' | 'unresponsive' | 'timeout' | 'activation';

/** One thing that went wrong with a plugin's host, as status() and the health table show it. */
export interface Strike {
  at: string;
  kind: StrikeKind;
  reason: string;
}

/**
 * The crash budget: at most `max` strikes (crash, out-of-memory, hang, failed activation) within a
 * sliding window of `windowMs`. Spending the last one quarantines the plugin.
 */
export class CrashBudget {
  private readonly strikes: Array<Strike & { time: number }> = [];

  constructor(
    readonly max: number,
    readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /** Records a strike; true when it used up the budget. */
  spend(kind: StrikeKind, reason: string): boolean {
    const time = this.now();
    this.strikes.push({ time, at: new Date(time).toISOString(), kind, reason });
    this.forgetOld(time);
    return this.strikes.length >= this.max;
  }

  /** Strikes still inside the window, oldest first. */
  recent(): Strike[] {
    this.forgetOld(this.now());
    return this.strikes.map(({ at, kind, reason }) => ({ at, kind, reason }));
  }

  reset(): void {
    this.strikes.length = 0;
  }

  private forgetOld(now: number) {
    while (this.strikes.length && this.strikes[0].time <= now - this.windowMs) this.strikes.shift();
  }
}

export interface QuarantineRecord {
  marketplace: string;
  plugin: string;
  version: string;
  reason: string;
  strikes: Strike[];
  since: string;
}

/**
 * plugin_health: quarantines outlive the process, so a plugin that crash-looped stays paused across
 * restarts (and on every runtime sharing the database) until it is released or its version changes.
 */
export class PluginHealthRepository {
  constructor(private readonly db: Database) {}

  async quarantined(): Promise<QuarantineRecord[]> {
    const rows = await this.db.query<{ marketplace: string; plugin: string; version: string; reason: string | null; crashes: Strike[]; quarantined_at: Date | string }>(
      `select marketplace, plugin, version, reason, crashes, quarantined_at from plugin_health where status = 'quarantined'`,
    );
    return rows.map((r) => ({
      marketplace: r.marketplace,
      plugin: r.plugin,
      version: r.version,
      reason: r.reason ?? '',
      strikes: r.crashes,
      since: new Date(r.quarantined_at).toISOString(),
    }));
  }

  async quarantine(record: QuarantineRecord): Promise<void> {
    await this.db.query(
      `insert into plugin_health (marketplace, plugin, version, status, reason, crashes, quarantined_at, released_at, updated_at)
       values ($1, $2, $3, 'quarantined', $4, $5::jsonb, $6, null, now())
       on conflict (marketplace) do update set plugin = excluded.plugin, version = excluded.version, status = 'quarantined',
         reason = excluded.reason, crashes = excluded.crashes, quarantined_at = excluded.quarantined_at, released_at = null, updated_at = now()`,
      [record.marketplace, record.plugin, record.version, record.reason, JSON.stringify(record.strikes), record.since],
    );
  }

  async release(marketplace: string): Promise<void> {
    await this.db.query(
      `update plugin_health set status = 'released', released_at = now(), updated_at = now() where marketplace = $1 and status = 'quarantined'`,
      [marketplace],
    );
  }
}
