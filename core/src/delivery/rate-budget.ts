import { inject, injectable } from 'tsyringe';
import type { Database } from '../database/database.js';
import { TOKENS } from '../di/tokens.js';
import { Errors } from '../errors/errors.js';
import type { Logger } from '../logging/logger.js';
import type { Clock } from '../util/clock.js';
import type { Bucket } from './limits.js';

/** After a 429 the rate is multiplied by this (never below MIN_FACTOR)… */
const SLOWDOWN = 0.5;
const MIN_FACTOR = 0.1;
/** …and recovers by this much of the declared rate per second without a new 429 (from half to full in 5 s). */
const RECOVERY_PER_SECOND = 0.1;
/**
 * A call that wakes this late for its slot (the process stalled: GC, a busy event loop) does not go:
 * going now would bunch it with calls sent on time, which is what draws a 429. It asks for a new slot;
 * the late one is lost. Half of the margin the buckets keep for jitter (limits.ts).
 */
const LATE_TOLERANCE_MS = 50;
/** Slots a process reserves ahead at most: enough for its waiting calls, never far into the future. */
const HORIZON_SECONDS = 2;
const MAX_RESERVE = 64;

export interface BudgetKey {
  store: string;
  marketplace: string;
  /** The bucket: an operation name or `default`. */
  operation: string;
}

export interface BudgetStatus extends BudgetKey {
  rate: number;
  capacity: number;
  /** Calls that could go at once right now. */
  available: number;
  factor: number;
  granted: number;
  rateLimited: number;
  lastRateLimitedAt: string | null;
  /** After a 429: no call before this time. */
  blockedUntil: string | null;
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
  signal?: AbortSignal;
  /** Rather than wait longer than this for a slot, the call is deferred (CONNECTOR_ERR_DELIVERY_DEFERRED). */
  maxWaitMs?: number;
}

/** A call that would wait more than its `maxWaitMs` for its slot: deferred to when the budget has one. */
export function budgetDeferral(key: BudgetKey, retryAt: number) {
  const error = Errors.deliveryDeferred(key.marketplace, `the ${key.operation} budget has no slot before ${new Date(retryAt).toISOString()}`, retryAt);
  (error.details as Record<string, unknown>).budget = key.operation;
  return error;
}

/**
 * Global rate budgets, one per store × marketplace × operation, kept in Postgres so every runtime
 * process sharing the database draws on the same budget.
 *
 * The algorithm is GCRA (the "virtual scheduling" form of a token bucket, as in redis-cell): the row
 * holds the theoretical arrival time of the next call; one UPDATE, under the row lock, hands a
 * process the next free send times for all its waiting calls, each 1/rate apart, at most `burst`
 * early. Each call then sleeps until its own time and goes. Compared with polling for tokens this is
 * one round trip per batch of calls, no lost budget while a process is late to ask, and no two
 * processes spending the same slot. Hand-rolled because it must live in the database (one Postgres is
 * the whole infrastructure: no Redis).
 *
 * A 429 is not a failure: `penalize` honours Retry-After (no slot before it) and slows the budget
 * down (halve, then recover linearly). Retries go through `take` like any call.
 */
@injectable()
export class RateBudget {
  /** Calls of this process waiting for a slot, per bucket; one pump per bucket asks the database. */
  private readonly waiting = new Map<string, { key: BudgetKey; waiters: Waiter[]; pumping: boolean }>();

  constructor(
    @inject(TOKENS.Database) private readonly db: Database,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Logger) private readonly log: Logger,
  ) {}

  /** Creates or updates the budget (rate and burst follow the current limits). */
  async ensure(key: BudgetKey, bucket: Bucket): Promise<void> {
    await this.db.query(
      `insert into rate_budgets (store, marketplace, operation, rate, capacity) values ($1, $2, $3, $4, $5)
       on conflict (store, marketplace, operation) do update set rate = excluded.rate, capacity = excluded.capacity`,
      [key.store, key.marketplace, key.operation, bucket.rate, bucket.capacity],
    );
  }

  /**
   * Resolves when this call may go. With `maxWaitMs`, a call whose slot is further away than that is not
   * held (a lot waiting 15 minutes for Mirakl's product-import slot would hold a worker and its job):
   * it rejects with a deferral whose `retryAt` is about when the budget will have a slot.
   */
  take(key: BudgetKey, signal?: AbortSignal, maxWaitMs?: number): Promise<void> {
    const id = `${key.store}\0${key.marketplace}\0${key.operation}`;
    let entry = this.waiting.get(id);
    if (!entry) this.waiting.set(id, (entry = { key, waiters: [], pumping: false }));
    const promise = new Promise<void>((resolve, reject) => entry.waiters.push({ resolve, reject, signal, maxWaitMs }));
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
        let reserved: { delaysMs: number[]; retryMs: number };
        try {
          reserved = await this.reserve(entry.key, Math.min(entry.waiters.length, MAX_RESERVE));
        } catch (error) {
          // The database is unreachable: the calls cannot be counted, so they do not go.
          for (const w of entry.waiters.splice(0)) w.reject(error);
          break;
        }
        // Slots count from when the answer arrived, not from when they were asked for: the round trip
        // shifts every slot equally (spacing kept, never earlier than granted), and only a stall
        // after it counts as lateness. Counted from the asking, a round trip over LATE_TOLERANCE_MS
        // (a busy embedded database) made every slot "late" and asked again forever.
        const grantedAt = this.clock.now();
        const served = entry.waiters.splice(0, reserved.delaysMs.length);
        served.forEach((w, i) => {
          const due = grantedAt + reserved.delaysMs[i]!;
          const go = () => {
            if (this.clock.now() - due <= LATE_TOLERANCE_MS) return w.resolve();
            entry.waiters.push(w);
            if (!entry.pumping) void this.pump(id);
          };
          const delay = due - this.clock.now();
          if (delay <= 0) go();
          else this.clock.sleep(delay, w.signal).then(go, w.reject);
        });
        if (entry.waiters.length && !served.length) {
          // No slot within the horizon: the next one is about retryMs + the horizon away.
          const nextSlotMs = reserved.retryMs + HORIZON_SECONDS * 1000;
          entry.waiters = entry.waiters.filter((w) => {
            if (w.maxWaitMs === undefined || nextSlotMs <= w.maxWaitMs) return true;
            w.reject(budgetDeferral(entry.key, this.clock.now() + nextSlotMs));
            return false;
          });
          if (entry.waiters.length) await this.clock.sleep(Math.max(1, reserved.retryMs));
        }
      }
    } finally {
      entry.pumping = false;
      if (entry.waiters.length) void this.pump(id);
    }
  }

  /**
   * One round trip: reserves up to `want` send times within the horizon. Returns each one as a delay
   * from now (0 = go now), and, when none was free, how long to wait before asking again.
   */
  async reserve(key: BudgetKey, want: number): Promise<{ delaysMs: number[]; retryMs: number }> {
    const [row] = await this.db.query<{ granted: number; now_s: number; base_s: number; t_s: number; tau_s: number }>(
      `with cur as (
         select store, marketplace, operation, rate, capacity, tat, clock_timestamp() as t,
                least(1.0, factor + greatest(0, extract(epoch from (clock_timestamp() - factor_at))) * $5) as f
         from rate_budgets where store = $1 and marketplace = $2 and operation = $3
         for update
       ), c as (
         select *, 1.0 / (rate * f) as step, (capacity - 1) / (rate * f) as tau,
                greatest(extract(epoch from tat), extract(epoch from t)) as base
         from cur
       ), n as (
         select *, greatest(0, least($4, floor((extract(epoch from t) + $6 + tau - base) / step) + 1))::int as granted from c
       )
       update rate_budgets b set tat = to_timestamp(n.base + n.granted * n.step), factor = n.f, factor_at = n.t, granted = b.granted + n.granted
       from n where b.store = n.store and b.marketplace = n.marketplace and b.operation = n.operation
       returning n.granted, extract(epoch from n.t)::double precision as now_s, n.base::double precision as base_s,
                 n.step::double precision as t_s, n.tau::double precision as tau_s`,
      [key.store, key.marketplace, key.operation, want, RECOVERY_PER_SECOND, HORIZON_SECONDS],
    );
    // No budget row: the operation is not rate limited.
    if (!row) return { delaysMs: Array.from({ length: want }, () => 0), retryMs: 0 };
    const now = Number(row.now_s);
    const base = Number(row.base_s);
    const step = Number(row.t_s);
    const tau = Number(row.tau_s);
    const delaysMs = Array.from({ length: Number(row.granted) }, (_, k) => Math.max(0, Math.ceil((base + k * step - tau - now) * 1000)));
    const retryMs = Math.max(1, Math.ceil((base - tau - now - HORIZON_SECONDS) * 1000));
    return { delaysMs, retryMs };
  }

  /** The marketplace answered 429: nothing before Retry-After, then a slower rate that recovers. */
  async penalize(key: BudgetKey, retryAfterMs: number): Promise<void> {
    await this.db.query(
      `update rate_budgets set tat = greatest(tat, clock_timestamp() + make_interval(secs => $4::double precision / 1000) + make_interval(secs => (capacity - 1) / rate)),
              factor = greatest($5, factor * $6), factor_at = clock_timestamp(),
              rate_limited = rate_limited + 1, last_rate_limited_at = now()
       where store = $1 and marketplace = $2 and operation = $3`,
      [key.store, key.marketplace, key.operation, Math.max(0, retryAfterMs), MIN_FACTOR, SLOWDOWN],
    );
    this.log.warn({ store: key.store, marketplace: key.marketplace, operation: key.operation, retryAfterMs }, 'marketplace answered 429: budget paused and slowed down');
  }

  async status(store?: string, marketplace?: string): Promise<BudgetStatus[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      `select store, marketplace, operation, rate, capacity, factor, granted, rate_limited, last_rate_limited_at,
              greatest(0, least(capacity, capacity - extract(epoch from (tat - clock_timestamp())) * rate * factor)) as available,
              case when tat - make_interval(secs => (capacity - 1) / (rate * factor)) > clock_timestamp()
                   then tat - make_interval(secs => (capacity - 1) / (rate * factor)) end as blocked_until
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
      available: Math.floor(Number(r.available)),
      factor: Number(r.factor),
      granted: Number(r.granted),
      rateLimited: Number(r.rate_limited),
      lastRateLimitedAt: r.last_rate_limited_at ? new Date(r.last_rate_limited_at as string).toISOString() : null,
      blockedUntil: r.blocked_until ? new Date(r.blocked_until as string).toISOString() : null,
    }));
  }
}
