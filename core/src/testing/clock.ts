import type { Clock } from '../util/clock.js';

interface Sleeper {
  at: number;
  seq: number;
  resolve(): void;
  reject(reason: unknown): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/**
 * Virtual time for the test host: `now()` moves only when something waits. A `sleep(ms)` (a 429's
 * Retry-After, the rate budget's next slot, a retry's backoff) never waits for real time: on the next
 * turn of the event loop the earliest sleeper wakes and the clock jumps to its time. Sleepers wake one
 * at a time, in time order, so concurrent waits advance the clock to the latest of them, not their sum.
 *
 * Give the same clock to a fake marketplace (`fake.now = () => clock.now()`) and its rate windows,
 * Retry-After and feed processing run on the same virtual time.
 */
export class TestClock implements Clock {
  #now: number;
  #seq = 0;
  #sleepers: Sleeper[] = [];
  #pumping = false;

  constructor(start: Date | string | number = '2030-01-01T00:00:00.000Z') {
    this.#now = new Date(start).getTime();
    if (!Number.isFinite(this.#now)) throw new RangeError(`TestClock: "${String(start)}" is not a date`);
  }

  now(): number {
    return this.#now;
  }

  date(): Date {
    return new Date(this.#now);
  }

  /** How many waits are pending. */
  get sleepers(): number {
    return this.#sleepers.length;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const sleeper: Sleeper = { at: this.#now + Math.max(0, ms), seq: this.#seq++, resolve, reject, signal };
      if (signal) {
        sleeper.onAbort = () => {
          this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
          reject(signal.reason);
        };
        signal.addEventListener('abort', sleeper.onAbort, { once: true });
      }
      this.#sleepers.push(sleeper);
      this.#schedule();
    });
  }

  /** Moves time forward by `ms`, waking every sleeper that becomes due (in time order). */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`TestClock.advance needs ms >= 0 (got ${ms})`);
    await this.advanceTo(this.#now + ms);
  }

  /** Moves time to `at` (never backwards), waking the sleepers due by then. */
  async advanceTo(at: number): Promise<void> {
    for (;;) {
      const next = this.#earliest();
      if (!next || next.at > at) break;
      this.#wake(next);
      await new Promise((r) => setImmediate(r));
    }
    this.#now = Math.max(this.#now, at);
  }

  #earliest(): Sleeper | undefined {
    let best: Sleeper | undefined;
    for (const s of this.#sleepers) if (!best || s.at < best.at || (s.at === best.at && s.seq < best.seq)) best = s;
    return best;
  }

  #wake(sleeper: Sleeper) {
    this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
    if (sleeper.onAbort) sleeper.signal?.removeEventListener('abort', sleeper.onAbort);
    this.#now = Math.max(this.#now, sleeper.at);
    sleeper.resolve();
  }

  /** One sleeper per turn of the event loop, so its continuation runs before the next one wakes. */
  #schedule() {
    if (this.#pumping) return;
    this.#pumping = true;
    setImmediate(() => {
      this.#pumping = false;
      const next = this.#earliest();
      if (!next) return;
      this.#wake(next);
      if (this.#sleepers.length) this.#schedule();
    });
  }
}
