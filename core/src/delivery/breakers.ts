import { inject, injectable } from 'tsyringe';
import type { ConnectorConfig } from '../config/types.js';
import type { Database } from '../database/database.js';
import { TOKENS } from '../di/tokens.js';
import type { Logger } from '../logging/logger.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerStatus {
  store: string;
  marketplace: string;
  state: BreakerState;
  consecutiveFailures: number;
  openings: number;
  openedAt: string | null;
  /** When the next probe may go (open), or when the current probe's lease ends (half-open). */
  openUntil: string | null;
  lastError: string | null;
  lastFailureAt: string | null;
  lastSuccessAt: string | null;
}

/** How long a process may hold the half-open probe before another one may try. */
export const PROBE_LEASE_SECONDS = 30;

const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);

function toStatus(r: Record<string, unknown>): BreakerStatus {
  return {
    store: String(r.store),
    marketplace: String(r.marketplace),
    state: r.state as BreakerState,
    consecutiveFailures: Number(r.consecutive_failures),
    openings: Number(r.openings),
    openedAt: iso(r.opened_at),
    openUntil: iso(r.open_until),
    lastError: (r.last_error as string) ?? null,
    lastFailureAt: iso(r.last_failure_at),
    lastSuccessAt: iso(r.last_success_at),
  };
}

/**
 * Circuit breaker per store × marketplace, in Postgres so every runtime process sees the same one.
 * Consecutive technical failures (5xx, timeouts) open it: no call is attempted and jobs wait without
 * burning retries. After `openSeconds` (doubling per failed probe, up to `maxOpenSeconds`) one
 * process takes the probe (half-open); success closes it, failure opens it again.
 * Hand-rolled: breaker libraries (opossum, cockatiel) keep their state in one process's memory, and
 * this one must be shared by every runtime process on the database.
 */
@injectable()
export class Breakers {
  constructor(
    @inject(TOKENS.Database) private readonly db: Database,
    @inject(TOKENS.Config) private readonly config: ConnectorConfig,
    @inject(TOKENS.Logger) private readonly log: Logger,
  ) {}

  async ensure(store: string, marketplace: string): Promise<void> {
    await this.db.query(`insert into circuit_breakers (store, marketplace) values ($1, $2) on conflict do nothing`, [store, marketplace]);
  }

  /** Counts a technical failure; opens the breaker at the threshold (or reopens it after a failed probe). */
  async failure(store: string, marketplace: string, error: string, probe = false): Promise<BreakerStatus> {
    const { failureThreshold, openSeconds, maxOpenSeconds } = this.config.delivery.breaker;
    const [row] = await this.db.query<Record<string, unknown>>(
      `update circuit_breakers b set
         consecutive_failures = b.consecutive_failures + 1,
         last_error = left($3, 1000), last_failure_at = now(), updated_at = now(),
         state = case when $4 or b.state = 'half-open' or b.consecutive_failures + 1 >= $5 then 'open' else b.state end,
         openings = case when ($4 or b.state = 'half-open' or b.consecutive_failures + 1 >= $5) and b.state <> 'open' then b.openings + 1 else b.openings end,
         opened_at = case when b.state = 'closed' and ($4 or b.consecutive_failures + 1 >= $5) then now() else b.opened_at end,
         open_until = case when ($4 or b.state = 'half-open' or b.consecutive_failures + 1 >= $5) and b.state <> 'open'
                           then clock_timestamp() + make_interval(secs => least($7::double precision, $6::double precision * power(2, b.openings)))
                           else b.open_until end,
         probe_until = null
       where store = $1 and marketplace = $2
       returning b.*, (select state from circuit_breakers o where o.store = b.store and o.marketplace = b.marketplace) as previous`,
      [store, marketplace, error, probe, failureThreshold, openSeconds, maxOpenSeconds],
    );
    const status = toStatus(row);
    if (row.previous !== 'open' && status.state === 'open') {
      this.log.error({ store, marketplace, failures: status.consecutiveFailures, until: status.openUntil, error }, 'circuit breaker opened: deliveries wait');
    }
    return status;
  }

  /** A call got through (even a rejection proves the marketplace is up): closes the breaker. */
  async success(store: string, marketplace: string): Promise<BreakerStatus | undefined> {
    const [row] = await this.db.query<Record<string, unknown>>(
      `update circuit_breakers set consecutive_failures = 0, state = 'closed', openings = 0, open_until = null,
              probe_until = null, last_success_at = now(), updated_at = now()
       where store = $1 and marketplace = $2 and (consecutive_failures > 0 or state <> 'closed')
       returning *`,
      [store, marketplace],
    );
    if (row) this.log.info({ store, marketplace }, 'circuit breaker closed: deliveries resume');
    return row ? toStatus(row) : undefined;
  }

  /** Takes the probe when the breaker is open and its wait is over (or a previous prober's lease expired). */
  async claimProbe(store: string, marketplace: string): Promise<boolean> {
    const rows = await this.db.query(
      `update circuit_breakers set state = 'half-open', probe_until = clock_timestamp() + make_interval(secs => $3), updated_at = now()
       where store = $1 and marketplace = $2
         and ((state = 'open' and open_until <= clock_timestamp()) or (state = 'half-open' and probe_until < clock_timestamp()))
       returning store`,
      [store, marketplace, PROBE_LEASE_SECONDS],
    );
    if (rows.length) this.log.info({ store, marketplace }, 'circuit breaker half-open: probing');
    return rows.length > 0;
  }

  /** Nothing to probe with: close it, the next real failure counts again. */
  async close(store: string, marketplace: string): Promise<void> {
    await this.success(store, marketplace);
  }

  async status(store?: string, marketplace?: string): Promise<BreakerStatus[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      `select * from circuit_breakers where ($1::text is null or store = $1) and ($2::text is null or marketplace = $2) order by store, marketplace`,
      [store ?? null, marketplace ?? null],
    );
    return rows.map(toStatus);
  }
}
