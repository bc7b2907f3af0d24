import type { PgBoss, WorkOptions } from 'pg-boss';
import { inject, injectable } from 'tsyringe';
import type { IntegrationConfig, StoreConfig } from '../config/types.js';
import { TOKENS } from '../di/tokens.js';
import type { Logger } from '../logging/logger.js';
import type { PluginHost } from '../plugins/plugin-host.js';
import type { Clock } from '../util/clock.js';
import type { Breakers } from './breakers.js';
import type { Contingency } from './contingency.js';
import type { DeliveryGate, ProbeResult } from './gate.js';
import type { IntegrationLimitsService } from './integration-limits.js';
import type { MarketplaceCaller } from './marketplace-caller.js';

export interface QueueWorker {
  queue: string;
  options: WorkOptions;
  handler: (jobs: unknown[]) => Promise<unknown>;
}

export interface IntegrationWorkers {
  /** Workers that call the marketplace: they run only while the gate is open. */
  gated: QueueWorker[];
  /** Workers that only touch the database (lot assembly): always on. */
  always: QueueWorker[];
  /** One call telling whether the marketplace (or the credentials) work again. */
  probe(purpose: 'breaker' | 'auth'): Promise<ProbeResult>;
}

interface Registered {
  store: StoreConfig;
  integration: IntegrationConfig;
  workers: IntegrationWorkers;
  running: Map<string, string>;
  probing: boolean;
  /** Start/stop changes run one after the other, each on the gate's state at that moment. */
  chain: Promise<void>;
}

/**
 * Runs each integration's delivery workers according to its gate: pg-boss workers are started while
 * the breaker is closed and the integration is not paused, stopped otherwise, so jobs simply wait in
 * their queue (no fetch, no retry spent). Also runs the probes that close the breaker and end a pause.
 */
@injectable()
export class DeliveryWorkers {
  private readonly registered = new Map<string, Registered>();
  private readonly held = new Set<string>();
  private stopping = false;

  constructor(
    @inject(TOKENS.Boss) private readonly boss: PgBoss,
    @inject(TOKENS.DeliveryGate) private readonly gate: DeliveryGate,
    @inject(TOKENS.Breakers) private readonly breakers: Breakers,
    @inject(TOKENS.Contingency) private readonly contingency: Contingency,
    @inject(TOKENS.MarketplaceCaller) private readonly caller: MarketplaceCaller,
    @inject(TOKENS.IntegrationLimits) private readonly limits: IntegrationLimitsService,
    @inject(TOKENS.PluginHost) private readonly plugins: PluginHost,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Logger) private readonly log: Logger,
  ) {
    gate.onChange((store, marketplace, open) => {
      const r = this.registered.get(`${store}\0${marketplace}`);
      if (r) this.schedule(r);
    });
  }

  /** Prepares an integration's shared state (buckets, breaker row) without starting anything. */
  async prepare(store: StoreConfig, integration: IntegrationConfig): Promise<void> {
    await this.limits.ensureBuckets(store.account, integration.marketplace);
    await this.breakers.ensure(store.account, integration.marketplace);
    this.gate.track(store.account, integration.marketplace);
  }

  async start(store: StoreConfig, integration: IntegrationConfig, workers: IntegrationWorkers): Promise<void> {
    await this.prepare(store, integration);
    const r: Registered = { store, integration, workers, running: new Map(), probing: false, chain: Promise.resolve() };
    this.registered.set(`${store.account}\0${integration.marketplace}`, r);
    for (const w of workers.always) await this.boss.work(w.queue, w.options, w.handler as never);
    await this.gate.refresh();
    this.schedule(r);
    await r.chain;
  }

  /**
   * Holds an integration's gated workers stopped whatever its gate says (its plugin is quarantined),
   * or lets them follow the gate again.
   */
  hold(store: string, marketplace: string, held: boolean): void {
    const key = `${store}\0${marketplace}`;
    if (held) this.held.add(key);
    else this.held.delete(key);
    const r = this.registered.get(key);
    if (r) this.schedule(r);
  }

  isRegistered(store: string, marketplace: string): boolean {
    return this.registered.has(`${store}\0${marketplace}`);
  }

  private schedule(r: Registered) {
    const key = `${r.store.account}\0${r.integration.marketplace}`;
    r.chain = r.chain
      .then(() => this.apply(r, !this.held.has(key) && this.gate.isOpen(r.store.account, r.integration.marketplace)))
      .catch((error: unknown) => this.log.error({ err: error, store: r.store.account, marketplace: r.integration.marketplace }, 'could not start or stop delivery workers'));
  }

  /** Starts the gate's polling (and so the probes); call once every integration is started. */
  run(): void {
    this.stopping = false;
    this.gate.start(() => this.probeAll());
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.gate.stop();
  }

  private async apply(r: Registered, open: boolean) {
    if (this.stopping) return;
    let changed = false;
    for (const w of r.workers.gated) {
      const id = r.running.get(w.queue);
      if (open && !id) {
        r.running.set(w.queue, await this.boss.work(w.queue, w.options, w.handler as never));
        changed = true;
      } else if (!open && id) {
        r.running.delete(w.queue);
        // Not waiting: this may run inside one of its handlers; in-flight jobs see the gate and wait.
        await this.boss.offWork(w.queue, { id, wait: false });
        changed = true;
      }
    }
    if (changed) this.log.info({ store: r.store.account, marketplace: r.integration.marketplace, open }, open ? 'delivery gate open' : 'delivery gate closed: work waits');
  }

  private async probeAll() {
    const now = this.clock.now();
    for (const r of this.registered.values()) {
      if (this.stopping || r.probing) continue;
      const { account } = r.store;
      const { marketplace } = r.integration;
      const s = this.gate.state(account, marketplace);
      if (s.paused) {
        if ((s.nextAuthProbeAt ?? 0) <= now && (await this.contingency.claimProbe(account, marketplace))) await this.probeAuth(r);
      } else if (s.breaker === 'half-open' || (s.breaker === 'open' && (s.openUntil ?? 0) <= now)) {
        if (await this.breakers.claimProbe(account, marketplace)) await this.probeBreaker(r);
      }
    }
  }

  /** New settings or an operator's request: check the credentials now instead of at the next probe. */
  async probeNow(store: string, marketplace: string): Promise<void> {
    const r = this.registered.get(`${store}\0${marketplace}`);
    if (!r) return;
    await this.gate.refresh();
    if (this.gate.state(store, marketplace).paused && (await this.contingency.claimProbe(store, marketplace, true))) await this.probeAuth(r);
  }

  private async probeAuth(r: Registered) {
    const { account } = r.store;
    const { marketplace } = r.integration;
    r.probing = true;
    try {
      await this.caller.refreshAuth(r.store, marketplace, await this.plugins.handlers(r.store, marketplace));
      const result = await r.workers.probe('auth');
      this.log.info({ store: account, marketplace, result }, 'credentials probe');
      if (result === 'ok' || result === 'nothing') {
        await this.contingency.resume(account, marketplace);
        this.gate.notePaused(account, marketplace, false);
      }
    } catch (error) {
      this.log.warn({ err: error, store: account, marketplace }, 'credentials probe failed');
    } finally {
      await this.contingency.releaseProbe(account, marketplace).catch(() => undefined);
      r.probing = false;
    }
  }

  private async probeBreaker(r: Registered) {
    const { account } = r.store;
    const { marketplace } = r.integration;
    r.probing = true;
    try {
      const result = await r.workers.probe('breaker');
      this.log.info({ store: account, marketplace, result }, 'circuit breaker probe');
      // A failed probe has reopened the breaker already (the caller counts it); refused credentials paused the integration.
      if (result !== 'technical') this.gate.noteBreaker(await this.breakers.success(account, marketplace));
    } catch (error) {
      this.log.warn({ err: error, store: account, marketplace }, 'circuit breaker probe failed');
      this.gate.noteBreaker(await this.breakers.failure(account, marketplace, (error as Error).message, true).catch(() => undefined));
    } finally {
      r.probing = false;
    }
  }
}
