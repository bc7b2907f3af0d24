import { inject, injectable } from 'tsyringe';
import type { Database } from '../database/database.js';
import { TOKENS } from '../di/tokens.js';
import type { Logger } from '../logging/logger.js';
import type { Clock } from '../util/clock.js';
import type { Bucket } from './limits.js';

/** After a 429 the rate is multiplied by this (never below MIN_FACTOR)… */
const SLOWDOWN = 0.5;
const MIN_FACTOR = 0.1;
/** …and recovers by this much of the declared rate per second without a new 429 (back to full in ~45 s). */
const RECOVERY_PER_SECOND = 0.02;
/** Tokens one process asks for at once: enough for its waiting calls, small enough to share fairly. */
const MAX_GRAB = 8;

export interface BudgetKey {
  store: string;
  marketplace: string;
  /** The bucket: an operation name or `default`. */
  operation: string;
}

export interface BudgetStatus extends BudgetKey {
  rate: number;
  capacity: number;
  tokens: number;
  factor: number;
  granted: number;
  rateLimited: number;
  lastRateLimitedAt: string | null;
  blockedUntil: string | null;
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
  signal?: AbortSignal;
}

/**
 * Global rate budgets: one token bucket per store × marketplace × operation, kept in Postgres, so
 * every runtime process sharing the database draws on the same budget. Hand-rolled because the
 * bucket must live in the database (no Redis: one Postgres is the whole infrastructure); each grant
 * is one UPDATE that locks the row, so two processes can never spend the same token.
 *
 * A 429 is not a failure: `penalize` honours Retry-After (no token before it) and slows the bucket
 * down (AIMD: halve, then recover linearly). Retries go through `take` like any call.
 */
@injectable()
export class RateBudget {
  /** Calls of this process waiting for a token, per bucket; one pump per bucket asks the database. */
  private readonly waiting = new Map<string, { key: BudgetKey; waiters: Waiter[]; pumping: boolean }>();

  constructor(
    @inject(TOKENS.Database) private readonly db: Database,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Logger) private readonly log: Logger,
  ) {}

  /** Creates or updates the bucket (rate and burst follow the current limits; saved tokens are kept). */
  async ensure(key: BudgetKey, bucket: Bucket): Promise<void> {
    await this.db.query(
      `insert into rate_budgets (store, marketplace, operation, rate, capacity, tokens)
       values ($1, $2, $3, $4, $5, $5)
       on conflict (store, marketplace, operation) do update
         set rate = excluded.rate, capacity = excluded.capacity, tokens = least(rate_budgets.tokens, excluded.capacity)`,
      [key.store, key.marketplace, key.operation, bucket.rate, bucket.capacity],
    );
  }

  /** Resolves once this call may go (one token taken). */
  take(key: BudgetKey, signal?: AbortSignal): Promise<void> {
    const id = `${key.store}\0${key.marketplace}\0${key.operation}`;
    let entry = this.waiting.get(id);
    if (!entry) this.waiting.set(id, (entry = { key, waiters: [], pumping: false }));
    const promise = new Promise<void>((resolve, reject) => entry.waiters.push({ resolve, reject, signal }));
    if (!entry.pumping) void this.pump(id);
    return promise;
  }

  private async pump(id: string) {
    const entry = this.waiting.get(id)!;
    entry.pumping = true;
    try {
      while (entry.waiters.length) {
        entry.waiters = entry.waiters.filter((w) => {
          if (w.signal?.aborted) w.reject(w.signal.reason);
          return !w.signal?.aborted;
        });
        if (!entry.waiters.length) break;
        let grant: { granted: number; waitMs: number };
        try {
          grant = await this.acquire(entry.key, Math.min(entry.waiters.length, MAX_GRAB));
        } catch (error) {
          // The database is unreachable: the calls cannot be counted, so they do not go.
          for (const w of entry.waiters.splice(0)) w.reject(error);
          break;
        }
        for (const w of entry.waiters.splice(0, grant.granted)) w.resolve();
        if (entry.waiters.length) await this.clock.sleep(Math.max(1, grant.waitMs));
      }
    } finally {
      entry.pumping = false;
      if (entry.waiters.length) void this.pump(id);
    }
  }

  /** One round trip: refills by elapsed time × rate × factor, grants up to `want` whole tokens. */
  async acquire(key: BudgetKey, want: number): Promise<{ granted: number; waitMs: number }> {
    const [row] = await this.db.query<{ granted: number; wait_ms: number }>(
      `with cur as (
         select store, marketplace, operation, rate, capacity, tokens, refilled_at, clock_timestamp() as t,
                least(1.0, factor + greatest(0, extract(epoch from (clock_timestamp() - factor_at))) * $5) as f
         from rate_budgets where store = $1 and marketplace = $2 and operation = $3
         for update
       ), calc as (
         select *, case when refilled_at > t then tokens
                        else least(capacity, tokens + extract(epoch from (t - refilled_at)) * rate * f) end as avail
         from cur
       ), g as (
         select *, least(floor(avail), $4)::int as granted from calc
       )
       update rate_budgets b set tokens = g.avail - g.granted, refilled_at = greatest(g.refilled_at, g.t),
              factor = g.f, factor_at = g.t, granted = b.granted + g.granted
       from g where b.store = g.store and b.marketplace = g.marketplace and b.operation = g.operation
       returning g.granted,
         case when g.granted >= $4 then 0
              else ceil(1000 * (greatest(0, extract(epoch from (g.refilled_at - g.t)))
                               + (1 - (g.avail - g.granted)) / (g.rate * g.f))) end as wait_ms`,
      [key.store, key.marketplace, key.operation, want, RECOVERY_PER_SECOND],
    );
    // No bucket row: the operation is not rate limited.
    if (!row) return { granted: want, waitMs: 0 };
    return { granted: Number(row.granted), waitMs: Number(row.wait_ms) };
  }

  /** The marketplace answered 429: nothing before Retry-After, then a slower rate that recovers. */
  async penalize(key: BudgetKey, retryAfterMs: number): Promise<void> {
    await this.db.query(
      `update rate_budgets set tokens = 0,
              refilled_at = greatest(refilled_at, clock_timestamp() + make_interval(secs => $4::double precision / 1000)),
              factor = greatest($5, factor * $6), factor_at = clock_timestamp(),
              rate_limited = rate_limited + 1, last_rate_limited_at = now()
       where store = $1 and marketplace = $2 and operation = $3`,
      [key.store, key.marketplace, key.operation, Math.max(0, retryAfterMs), MIN_FACTOR, SLOWDOWN],
    );
    this.log.warn({ store: key.store, marketplace: key.marketplace, operation: key.operation, retryAfterMs }, 'marketplace answered 429: budget paused and slowed down');
  }

  async status(store?: string, marketplace?: string): Promise<BudgetStatus[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      `select store, marketplace, operation, rate, capacity, tokens, factor, granted, rate_limited, last_rate_limited_at,
              case when refilled_at > clock_timestamp() then refilled_at end as blocked_until
       from rate_budgets where ($1::text is null or store = $1) and ($2::text is null or marketplace = $2)
       order by store, marketplace, operation`,
      [store ?? null, marketplace ?? null],
    );
    return rows.map((r) => ({
      store: String(r.store),
      marketplace: String(r.marketplace),
      operation: String(r.operation),
      rate: Number(r.rate),
      capacity: Number(r.capacity),
      tokens: Number(r.tokens),
      factor: Number(r.factor),
      granted: Number(r.granted),
      rateLimited: Number(r.rate_limited),
      lastRateLimitedAt: r.last_rate_limited_at ? new Date(r.last_rate_limited_at as string).toISOString() : null,
      blockedUntil: r.blocked_until ? new Date(r.blocked_until as string).toISOString() : null,
    }));
  }
}
