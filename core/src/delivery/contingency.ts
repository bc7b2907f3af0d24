import { inject, injectable } from 'tsyringe';
import type { ConnectorConfig } from '../config/types.js';
import type { Database } from '../database/database.js';
import { TOKENS } from '../di/tokens.js';
import type { Logger } from '../logging/logger.js';
import { PROBE_LEASE_SECONDS } from './breakers.js';

export interface PauseStatus {
  store: string;
  marketplace: string;
  paused: boolean;
  reason: string | null;
  pausedAt: string | null;
  resumedAt: string | null;
  nextProbeAt: string | null;
}

const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);

/**
 * Auth contingency (VTEX's rule: log the error and park the work). When the marketplace refuses the
 * integration's credentials and the plugin's refresh does not help, the integration is paused: its
 * jobs stay queued (nothing is dropped or failed), and every `authProbeSeconds` one process checks
 * whether the credentials work again. New settings (`ConnectorRuntime.updateIntegrationSettings`)
 * probe at once. When they work, the pause ends and everything queued flows again.
 */
@injectable()
export class Contingency {
  constructor(
    @inject(TOKENS.Database) private readonly db: Database,
    @inject(TOKENS.Config) private readonly config: ConnectorConfig,
    @inject(TOKENS.Logger) private readonly log: Logger,
  ) {}

  async pause(store: string, marketplace: string, reason: string): Promise<void> {
    const [row] = await this.db.query<{ was_paused: boolean | null }>(
      `insert into integration_pauses as p (store, marketplace, paused, reason, paused_at, next_probe_at)
       values ($1, $2, true, left($3, 1000), now(), clock_timestamp() + make_interval(secs => $4))
       on conflict (store, marketplace) do update set paused = true, reason = excluded.reason,
         paused_at = case when p.paused then p.paused_at else now() end,
         next_probe_at = case when p.paused then p.next_probe_at else excluded.next_probe_at end
       returning (select o.paused from integration_pauses o where o.store = p.store and o.marketplace = p.marketplace) as was_paused`,
      [store, marketplace, reason, this.config.delivery.authProbeSeconds],
    );
    if (!row?.was_paused) this.log.error({ store, marketplace, reason }, 'integration paused: the marketplace refuses its credentials; its work is kept until they work again');
  }

  async resume(store: string, marketplace: string): Promise<boolean> {
    const rows = await this.db.query(
      `update integration_pauses set paused = false, resumed_at = now(), probe_until = null, next_probe_at = null
       where store = $1 and marketplace = $2 and paused returning store`,
      [store, marketplace],
    );
    if (rows.length) this.log.info({ store, marketplace }, 'integration resumed: credentials work again');
    return rows.length > 0;
  }

  /** Takes the periodic credentials probe when it is due (`now` forces it, after new settings). */
  async claimProbe(store: string, marketplace: string, now = false): Promise<boolean> {
    const rows = await this.db.query(
      `update integration_pauses set probe_until = clock_timestamp() + make_interval(secs => $3),
              next_probe_at = clock_timestamp() + make_interval(secs => $4)
       where store = $1 and marketplace = $2 and paused
         and ($5 or next_probe_at <= clock_timestamp()) and (probe_until is null or probe_until < clock_timestamp())
       returning store`,
      [store, marketplace, PROBE_LEASE_SECONDS, this.config.delivery.authProbeSeconds, now],
    );
    return rows.length > 0;
  }

  async releaseProbe(store: string, marketplace: string): Promise<void> {
    await this.db.query(`update integration_pauses set probe_until = null where store = $1 and marketplace = $2`, [store, marketplace]);
  }

  async status(store?: string, marketplace?: string): Promise<PauseStatus[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      `select * from integration_pauses where ($1::text is null or store = $1) and ($2::text is null or marketplace = $2) order by store, marketplace`,
      [store ?? null, marketplace ?? null],
    );
    return rows.map((r) => ({
      store: String(r.store),
      marketplace: String(r.marketplace),
      paused: Boolean(r.paused),
      reason: (r.reason as string) ?? null,
      pausedAt: iso(r.paused_at),
      resumedAt: iso(r.resumed_at),
      nextProbeAt: iso(r.next_probe_at),
    }));
  }
}
