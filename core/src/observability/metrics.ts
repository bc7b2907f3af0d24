import type { PgBoss } from 'pg-boss';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Breakers } from '../delivery/breakers.js';
import type { RateBudget } from '../delivery/rate-budget.js';
import { Errors } from '../errors/errors.js';
import type { HttpCallRecord } from '../plugins/http-meter.js';

/** Every series the runtime exports (docs/admin.md lists them with their labels). */
export const METRIC_NAMES = [
  'connector_notifications_received_total',
  'connector_notifications_rejected_total',
  'connector_queue_jobs',
  'connector_delivery_latency_seconds',
  'connector_marketplace_requests_total',
  'connector_marketplace_rate_limited_total',
  'connector_breaker_state',
  'connector_rate_budget_granted_total',
  'connector_rate_budget_rate_limited_total',
  'connector_rate_budget_available',
  'connector_rate_budget_slowdown_factor',
  'connector_dead_letters',
] as const;

/** 2xx, 4xx, 429, 5xx or error (no answer); ctx.http reports a 429 as the rate-limited error without a status. */
export function callOutcome(call: HttpCallRecord): string {
  if (call.status === 429 || call.errorCode === Errors.marketplaceRateLimited.code) return '429';
  return call.status ? `${Math.floor(call.status / 100)}xx` : 'error';
}

const BREAKER_STATES = ['closed', 'half-open', 'open'] as const;
const JOB_STATES = ['queued', 'deferred', 'active', 'failed'] as const;

export interface MetricsSources {
  boss: PgBoss;
  breakers: Breakers;
  budgets: RateBudget;
}

/**
 * Prometheus metrics (prom-client), one registry per runtime (several runtimes may share a process
 * in tests). Hot paths only increment in-memory counters (the webhook, each marketplace call); what
 * lives in the database — queue depths, breakers, rate budgets, dead letters — is read when
 * /metrics is scraped, at most once per `minScrapeIntervalMs`, so scraping costs a few queries and
 * nothing on the pipeline's path. Values read from the database are the same in every process.
 */
export class RuntimeMetrics {
  readonly registry = new Registry();
  readonly notificationsReceived: Counter<'store'>;
  readonly notificationsRejected: Counter<'reason'>;
  private readonly queueJobs: Gauge<'stage' | 'store' | 'marketplace' | 'state'>;
  private readonly deliveryLatency: Histogram<'marketplace' | 'operation' | 'outcome'>;
  private readonly marketplaceRequests: Counter<'store' | 'marketplace' | 'operation' | 'outcome'>;
  private readonly rateLimited: Counter<'store' | 'marketplace'>;
  private readonly breakerState: Gauge<'store' | 'marketplace' | 'state'>;
  private readonly budgetGranted: Gauge<'store' | 'marketplace' | 'operation'>;
  private readonly budgetRateLimited: Gauge<'store' | 'marketplace' | 'operation'>;
  private readonly budgetAvailable: Gauge<'store' | 'marketplace' | 'operation'>;
  private readonly budgetFactor: Gauge<'store' | 'marketplace' | 'operation'>;
  private readonly deadLetters: Gauge<'store' | 'marketplace'>;
  private lastCollect = 0;
  private collecting?: Promise<void>;
  private sources?: MetricsSources;

  constructor(private readonly minScrapeIntervalMs = 1000) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ service: 'connector' });
    collectDefaultMetrics({ register: this.registry, prefix: 'connector_process_' });
    this.notificationsReceived = new Counter({ name: 'connector_notifications_received_total', help: 'VTEX notifications accepted by the webhook (committed to the inbox).', labelNames: ['store'], registers });
    this.notificationsRejected = new Counter({
      name: 'connector_notifications_rejected_total',
      help: 'Webhook calls refused: invalid (400), unauthorized (401: unknown store or bad token), error (not stored).',
      labelNames: ['reason'],
      registers,
    });
    this.queueJobs = new Gauge({ name: 'connector_queue_jobs', help: 'Jobs per pipeline stage, store, marketplace and state (pg-boss queue counts).', labelNames: ['stage', 'store', 'marketplace', 'state'], registers });
    this.deliveryLatency = new Histogram({
      name: 'connector_delivery_latency_seconds',
      help: 'Duration of each marketplace API call a plugin makes (publish, update, feeds, …), by outcome (2xx, 4xx, 429, 5xx, error).',
      labelNames: ['marketplace', 'operation', 'outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.marketplaceRequests = new Counter({ name: 'connector_marketplace_requests_total', help: 'Marketplace API calls made by plugins, by outcome.', labelNames: ['store', 'marketplace', 'operation', 'outcome'], registers });
    this.rateLimited = new Counter({ name: 'connector_marketplace_rate_limited_total', help: 'Marketplace answers 429 (Too Many Requests) seen by this process.', labelNames: ['store', 'marketplace'], registers });
    this.breakerState = new Gauge({ name: 'connector_breaker_state', help: 'Circuit breaker per store × marketplace: 1 for its current state, 0 for the others.', labelNames: ['store', 'marketplace', 'state'], registers });
    this.budgetGranted = new Gauge({ name: 'connector_rate_budget_granted_total', help: 'Calls granted by the global rate budget (all processes).', labelNames: ['store', 'marketplace', 'operation'], registers });
    this.budgetRateLimited = new Gauge({ name: 'connector_rate_budget_rate_limited_total', help: '429s recorded against the global rate budget (all processes).', labelNames: ['store', 'marketplace', 'operation'], registers });
    this.budgetAvailable = new Gauge({ name: 'connector_rate_budget_available', help: 'Calls the rate budget would allow at once right now.', labelNames: ['store', 'marketplace', 'operation'], registers });
    this.budgetFactor = new Gauge({ name: 'connector_rate_budget_slowdown_factor', help: 'Share of the configured rate in use after 429 slow-downs (1 = full rate).', labelNames: ['store', 'marketplace', 'operation'], registers });
    this.deadLetters = new Gauge({ name: 'connector_dead_letters', help: 'Jobs waiting in the dead-letter queue per store × marketplace.', labelNames: ['store', 'marketplace'], registers });
  }

  bind(sources: MetricsSources): void {
    this.sources = sources;
  }

  /** The HttpMeter's record: one observation and two counter increments, in memory. */
  observeCall(call: HttpCallRecord): void {
    const outcome = callOutcome(call);
    this.deliveryLatency.observe({ marketplace: call.marketplace, operation: call.operation, outcome }, call.durationMs / 1000);
    this.marketplaceRequests.inc({ store: call.store, marketplace: call.marketplace, operation: call.operation, outcome });
    if (outcome === '429') this.rateLimited.inc({ store: call.store, marketplace: call.marketplace });
  }

  /** The exposition text, database-backed gauges refreshed first. */
  async render(): Promise<string> {
    await this.collect();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private async collect(): Promise<void> {
    if (!this.sources || Date.now() - this.lastCollect < this.minScrapeIntervalMs) return this.collecting;
    this.lastCollect = Date.now();
    this.collecting = this.read(this.sources);
    return this.collecting;
  }

  private async read({ boss, breakers, budgets }: MetricsSources): Promise<void> {
    const [queues, breakerRows, budgetRows] = await Promise.all([boss.getQueues(), breakers.status(), budgets.status()]);
    this.queueJobs.reset();
    this.deadLetters.reset();
    for (const q of queues) {
      const [stage, store = '', marketplace = ''] = q.name.split('.');
      const counts: Record<(typeof JOB_STATES)[number], number> = { queued: q.readyCount ?? q.queuedCount - q.deferredCount, deferred: q.deferredCount, active: q.activeCount, failed: q.failedCount };
      for (const state of JOB_STATES) this.queueJobs.set({ stage, store, marketplace, state }, Number(counts[state]) || 0);
      if (stage === 'dead-letter') this.deadLetters.set({ store, marketplace }, Number(q.queuedCount) || 0);
    }
    this.breakerState.reset();
    for (const b of breakerRows) for (const state of BREAKER_STATES) this.breakerState.set({ store: b.store, marketplace: b.marketplace, state }, b.state === state ? 1 : 0);
    for (const g of [this.budgetGranted, this.budgetRateLimited, this.budgetAvailable, this.budgetFactor]) g.reset();
    for (const b of budgetRows) {
      const labels = { store: b.store, marketplace: b.marketplace, operation: b.operation };
      this.budgetGranted.set(labels, b.granted);
      this.budgetRateLimited.set(labels, b.rateLimited);
      this.budgetAvailable.set(labels, b.available);
      this.budgetFactor.set(labels, b.factor);
    }
  }
}
