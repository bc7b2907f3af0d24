import { inject, injectable } from 'tsyringe';
import type { Database } from '../database/database.js';
import { TOKENS } from '../di/tokens.js';
import type { Logger } from '../logging/logger.js';
import type { BreakerState, BreakerStatus } from './breakers.js';

/** How often each process re-reads breakers and pauses (another process may have changed them). */
export const GATE_POLL_MS = 1000;

export interface GateState {
  breaker: BreakerState;
  consecutiveFailures: number;
  /** Epoch ms when an open breaker may be probed. */
  openUntil: number | null;
  paused: boolean;
  /** Epoch ms of the next credentials probe while paused. */
  nextAuthProbeAt: number | null;
}

export type ProbeResult = 'ok' | 'technical' | 'auth' | 'nothing';

const CLOSED: GateState = { breaker: 'closed', consecutiveFailures: 0, openUntil: null, paused: false, nextAuthProbeAt: null };

const key = (store: string, marketplace: string) => `${store}\0${marketplace}`;

/**
 * Whether work may be attempted for each integration, as this process last saw it: the breaker is
 * closed and the integration is not paused. Re-read from Postgres every GATE_POLL_MS and updated at
 * once by this process's own transitions; listeners (the delivery workers) start and stop on changes.
 */
@injectable()
export class DeliveryGate {
  private readonly states = new Map<string, GateState>();
  private readonly listeners: Array<(store: string, marketplace: string, open: boolean) => void> = [];
  private timer?: NodeJS.Timeout;
  private tick?: () => Promise<void>;
  private polling?: Promise<void>;

  constructor(
    @inject(TOKENS.Database) private readonly db: Database,
    @inject(TOKENS.Logger) private readonly log: Logger,
  ) {}

  track(store: string, marketplace: string): void {
    if (!this.states.has(key(store, marketplace))) this.states.set(key(store, marketplace), { ...CLOSED });
  }

  state(store: string, marketplace: string): GateState {
    return this.states.get(key(store, marketplace)) ?? CLOSED;
  }

  isOpen(store: string, marketplace: string): boolean {
    const s = this.state(store, marketplace);
    return s.breaker === 'closed' && !s.paused;
  }

  /** When work may be tried again, for jobs that must wait (epoch ms). */
  retryAt(store: string, marketplace: string, now: number): number {
    const s = this.state(store, marketplace);
    if (s.paused) return now + 1000; // resumed any time: the worker is stopped meanwhile anyway
    return Math.max(now + 1000, s.openUntil ?? 0);
  }

  onChange(listener: (store: string, marketplace: string, open: boolean) => void): void {
    this.listeners.push(listener);
  }

  noteBreaker(status: BreakerStatus | undefined): void {
    if (!status) return;
    this.update(status.store, status.marketplace, {
      breaker: status.state,
      consecutiveFailures: status.consecutiveFailures,
      openUntil: status.openUntil ? Date.parse(status.openUntil) : null,
    });
  }

  notePaused(store: string, marketplace: string, paused: boolean): void {
    this.update(store, marketplace, { paused });
  }

  private update(store: string, marketplace: string, patch: Partial<GateState>) {
    const k = key(store, marketplace);
    const before = this.states.get(k) ?? { ...CLOSED };
    const wasOpen = before.breaker === 'closed' && !before.paused;
    const after = { ...before, ...patch };
    this.states.set(k, after);
    const open = after.breaker === 'closed' && !after.paused;
    if (open !== wasOpen) {
      for (const l of this.listeners) {
        try {
          l(store, marketplace, open);
        } catch (error) {
          this.log.error({ err: error }, 'gate listener failed');
        }
      }
    }
  }

  /** Re-reads every tracked integration's breaker and pause. */
  async refresh(): Promise<void> {
    const rows = await this.db.query<Record<string, unknown>>(
      `select b.store, b.marketplace, b.state, b.consecutive_failures, b.open_until,
              coalesce(p.paused, false) as paused, p.next_probe_at
       from circuit_breakers b
       left join integration_pauses p on p.store = b.store and p.marketplace = b.marketplace`,
    );
    for (const r of rows) {
      const k = key(String(r.store), String(r.marketplace));
      if (!this.states.has(k)) continue;
      this.update(String(r.store), String(r.marketplace), {
        breaker: r.state as BreakerState,
        consecutiveFailures: Number(r.consecutive_failures),
        openUntil: r.open_until ? new Date(r.open_until as string).getTime() : null,
        paused: Boolean(r.paused),
        nextAuthProbeAt: r.next_probe_at ? new Date(r.next_probe_at as string).getTime() : null,
      });
    }
  }

  /** Polls every GATE_POLL_MS, then runs `onTick` (the probes). */
  start(onTick: () => Promise<void>): void {
    if (this.timer) return;
    this.tick = onTick;
    const loop = () => {
      this.polling = (async () => {
        try {
          await this.refresh();
          await this.tick?.();
        } catch (error) {
          this.log.warn({ err: error }, 'delivery gate poll failed; will retry');
        }
      })().finally(() => {
        if (this.tick) this.timer = setTimeout(loop, GATE_POLL_MS);
      });
    };
    this.timer = setTimeout(loop, GATE_POLL_MS);
  }

  async stop(): Promise<void> {
    this.tick = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.polling;
  }
}
