import 'reflect-metadata';
import { PgBoss } from 'pg-boss';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { ConnectorConfig } from '../config/types.js';
import type { Disposable } from '../plugin-api/index.js';
import type { Database, DatabaseOptions } from '../database/database.js';
import { migrate } from '../database/migrate.js';
import { openDatabase } from '../database/open.js';
import { PlannerStatistics } from '../database/planner-statistics.js';
import { TOKENS } from '../di/tokens.js';
import { Errors } from '../errors/errors.js';
import { CategoryMappings } from '../catalog/category-mappings.js';
import { Dispatcher } from '../ingest/dispatcher.js';
import { NotificationInbox } from '../ingest/notification-inbox.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { MarketplaceSpecs } from '../mapping/marketplace-specs.js';
import { OperationLog } from '../oplog/operation-log.js';
import { OperationLogRetention } from '../oplog/retention.js';
import { Breakers } from '../delivery/breakers.js';
import { Contingency } from '../delivery/contingency.js';
import { DeadLetters } from '../delivery/dead-letters.js';
import { DeliveryWorkers } from '../delivery/delivery-workers.js';
import { DeliveryGate } from '../delivery/gate.js';
import { IntegrationLimitsService, type IntegrationLimits } from '../delivery/integration-limits.js';
import { validateLimits } from '../delivery/limits.js';
import { LotRepository } from '../delivery/lots/lot-repository.js';
import { LotStage } from '../delivery/lots/lot-stage.js';
import { MarketplaceCaller } from '../delivery/marketplace-caller.js';
import { PublishIntents } from '../delivery/publish-intents.js';
import { RateBudget } from '../delivery/rate-budget.js';
import { InitialLoad } from '../initial-load/initial-load.js';
import { DeliveryStage } from '../pipeline/delivery.js';
import { MarketplaceSyncStage } from '../pipeline/marketplace-sync.js';
import { SkuRefreshStage } from '../pipeline/sku-refresh.js';
import { noopHttpMeter, type HttpMeter } from '../plugins/http-meter.js';
import { PluginHost, type PluginHostOptions, type PluginStatusChange } from '../plugins/plugin-host.js';
import { PolicyEngine } from '../policies/policy-engine.js';
import { PolicyWarnings } from '../policies/policy-warnings.js';
import { QueueNames } from '../queue/queue-names.js';
import { RETRY_POLL_SECONDS } from '../queue/queues.js';
import { Reconciler } from '../reconciliation/reconciler.js';
import { Queues } from '../queue/queues.js';
import { NotificationLedger } from '../state/notification-ledger.js';
import { SnapshotRepository } from '../state/snapshot-repository.js';
import { StateRepository } from '../state/state-repository.js';
import { StoreRegistry } from '../stores/store-registry.js';
import { systemClock, type Clock } from '../util/clock.js';
import { VtexClients } from '../vtex/vtex-clients.js';
import { AdminQueries } from '../admin/admin-queries.js';
import { AdminTokens } from '../admin/admin-tokens.js';
import { IntegrationSettings, type AppliedChange } from '../admin/integration-settings.js';
import { SecretBox } from '../admin/secret-box.js';
import { DEFAULT_ADMIN } from '../config/load.js';
import { ActivityRecorder } from '../observability/activity-recorder.js';
import { RuntimeMetrics } from '../observability/metrics.js';

export interface RuntimeOptions {
  config: ConnectorConfig;
  /** Where the data lives: options to open it, or an already open database (tests). */
  database?: DatabaseOptions | Database;
  logger?: Logger;
  clock?: Clock;
  /** Run the pipeline workers (default true). False gives an ingest-only runtime. */
  workers?: boolean;
  /** Extension host limits (timeouts, memory, crash budget) and discovery narrowing (tests). */
  pluginHost?: PluginHostOptions;
  /** Meters and records plugins' ctx.http calls (the delivery engine's rate budget); default no-op. */
  httpMeter?: HttpMeter;
  /** The AES-256-GCM key for secret settings saved through the admin API (base64 or hex, 32 bytes); default: the variable `admin.secretsKeyEnv` names. */
  secretsKey?: string;
}

/**
 * The composition root: the only place that knows every concrete class. Each runtime gets its own
 * child container, so several can live in one process (tests, two-process simulations).
 */
export class ConnectorRuntime {
  private started = false;
  private statusSubscription?: Disposable;
  private statusChanges: Promise<void> = Promise.resolve();

  private constructor(
    readonly container: DependencyContainer,
    readonly db: Database,
    readonly boss: PgBoss,
    readonly log: Logger,
    private readonly ownsDb: boolean,
    private readonly workers: boolean,
  ) {}

  static async create(options: RuntimeOptions): Promise<ConnectorRuntime> {
    const log = options.logger ?? createLogger();
    const given = options.database;
    const ownsDb = !(given && 'query' in given);
    const db = ownsDb ? await openDatabase(given as DatabaseOptions | undefined) : (given as Database);
    try {
      await migrate(db);
      const boss = new PgBoss({
        ...db.bossOptions(),
        useListenNotify: true,
        // Maintenance and scheduling are cheap; every runtime takes part, pg-boss elects one per pass.
        // 15 s: jobs of a crashed process are taken back soon after their heartbeat goes stale.
        superviseIntervalSeconds: 15,
        monitorIntervalSeconds: 15,
      });
      boss.on('error', (error) => log.error({ err: error }, 'pg-boss error'));
      boss.on('warning', (warning) => log.warn({ warning }, 'pg-boss warning'));

      const c = rootContainer.createChildContainer();
      c.register(TOKENS.Config, { useValue: options.config });
      c.register(TOKENS.Database, { useValue: db });
      c.register(TOKENS.Boss, { useValue: boss });
      c.register(TOKENS.Logger, { useValue: log });
      c.register(TOKENS.Clock, { useValue: options.clock ?? systemClock });
      c.register(TOKENS.PluginHostOptions, { useValue: options.pluginHost ?? {} });
      // Admin API and observability: metrics and the activity counts ride on the plugins' HTTP meter.
      const admin = options.config.admin ?? DEFAULT_ADMIN;
      const metrics = new RuntimeMetrics();
      const activity = new ActivityRecorder(db, log, options.config.logs?.retentionDays ?? 30);
      const given = options.httpMeter ?? noopHttpMeter;
      const meter: HttpMeter = {
        acquire: (call) => given.acquire(call),
        record: (call) => {
          metrics.observeCall(call);
          activity.observeCall(call);
          return given.record(call);
        },
      };
      c.register(TOKENS.HttpMeter, { useValue: meter });
      c.register(TOKENS.Metrics, { useValue: metrics });
      c.register(TOKENS.ActivityRecorder, { useValue: activity });
      c.register(TOKENS.SecretBox, { useValue: new SecretBox(options.secretsKey ?? process.env[admin.secretsKeyEnv], admin.secretsKeyEnv) });
      c.register(TOKENS.AdminTokens, { useValue: new AdminTokens(admin.tokens) });
      for (const [token, cls] of [
        [TOKENS.OperationLog, OperationLog],
        [TOKENS.OperationLogRetention, OperationLogRetention],
        [TOKENS.NotificationLedger, NotificationLedger],
        [TOKENS.MarketplaceSpecs, MarketplaceSpecs],
        [TOKENS.CategoryMappings, CategoryMappings],
        [TOKENS.PolicyEngine, PolicyEngine],
        [TOKENS.PolicyWarnings, PolicyWarnings],
        [TOKENS.StoreRegistry, StoreRegistry],
        [TOKENS.VtexClients, VtexClients],
        [TOKENS.PluginHost, PluginHost],
        [TOKENS.SnapshotRepository, SnapshotRepository],
        [TOKENS.StateRepository, StateRepository],
        [TOKENS.NotificationInbox, NotificationInbox],
        [TOKENS.Dispatcher, Dispatcher],
        [TOKENS.Queues, Queues],
        [TOKENS.SkuRefreshStage, SkuRefreshStage],
        [TOKENS.MarketplaceSyncStage, MarketplaceSyncStage],
        [TOKENS.DeliveryStage, DeliveryStage],
        [TOKENS.RateBudget, RateBudget],
        [TOKENS.Breakers, Breakers],
        [TOKENS.Contingency, Contingency],
        [TOKENS.DeliveryGate, DeliveryGate],
        [TOKENS.IntegrationLimits, IntegrationLimitsService],
        [TOKENS.MarketplaceCaller, MarketplaceCaller],
        [TOKENS.PublishIntents, PublishIntents],
        [TOKENS.DeliveryWorkers, DeliveryWorkers],
        [TOKENS.DeadLetters, DeadLetters],
        [TOKENS.Lots, LotRepository],
        [TOKENS.LotStage, LotStage],
        [TOKENS.InitialLoad, InitialLoad],
        [TOKENS.Reconciler, Reconciler],
        [TOKENS.IntegrationSettings, IntegrationSettings],
        [TOKENS.AdminQueries, AdminQueries],
        [TOKENS.PlannerStatistics, PlannerStatistics],
      ] as const) {
        c.registerSingleton(token as symbol, cls as never);
      }

      // Integrations whose marketplace has no plugin, or whose settings the plugin refuses, are
      // config errors: listed together, before anything starts.
      const host = c.resolve(TOKENS.PluginHost);
      const problems = host.validateIntegrations(options.config.stores);
      if (problems.length) throw Errors.configInvalid(options.config.source, problems);
      // A plugin whose field mappings, registration rules or limits are unsound fails here, listing
      // every problem; its limits must pass the same schema as the config's overrides.
      const specs = c.resolve(TOKENS.MarketplaceSpecs);
      for (const marketplace of new Set(options.config.stores.flatMap((s) => s.integrations.map((i) => i.marketplace)))) {
        specs.get(marketplace);
        const manifest = host.manifest(marketplace);
        const limitProblems = validateLimits(manifest.contributes.marketplace.limits ?? {}, '/contributes/marketplace/limits');
        if (limitProblems.length) throw Errors.pluginInvalid(manifest.name, limitProblems);
      }

      metrics.bind({ boss, breakers: c.resolve(TOKENS.Breakers), budgets: c.resolve(TOKENS.RateBudget) });
      return new ConnectorRuntime(c, db, boss, log, ownsDb, options.workers ?? true);
    } catch (error) {
      if (ownsDb) await db.close().catch(() => undefined);
      throw error;
    }
  }

  get inbox(): NotificationInbox {
    return this.container.resolve(TOKENS.NotificationInbox);
  }

  get stores(): StoreRegistry {
    return this.container.resolve(TOKENS.StoreRegistry);
  }

  get state(): StateRepository {
    return this.container.resolve(TOKENS.StateRepository);
  }

  get plugins(): PluginHost {
    return this.container.resolve(TOKENS.PluginHost);
  }

  /** VTEX → marketplace category mappings; `set` releases the SKUs waiting on a category. */
  get categoryMappings(): CategoryMappings {
    return this.container.resolve(TOKENS.CategoryMappings);
  }

  /** The operation log (VTEX's message format), as served at /{account}/logs/. */
  get operationLog(): OperationLog {
    return this.container.resolve(TOKENS.OperationLog);
  }

  /** Warnings raised by merchant policies (minimum stock, stock buffer, price-drop guard), and approvals. */
  get policyWarnings(): PolicyWarnings {
    return this.container.resolve(TOKENS.PolicyWarnings);
  }

  get logRetention(): OperationLogRetention {
    return this.container.resolve(TOKENS.OperationLogRetention);
  }

  /** Dead-letter queues: list and replay (`connector dlq`). */
  get deadLetters(): DeadLetters {
    return this.container.resolve(TOKENS.DeadLetters);
  }

  /** Circuit breakers, per store × marketplace (`status()` for operators). */
  get breakers(): Breakers {
    return this.container.resolve(TOKENS.Breakers);
  }

  /** Auth contingency: paused integrations. */
  get contingency(): Contingency {
    return this.container.resolve(TOKENS.Contingency);
  }

  /** Global rate budgets (`status()` shows tokens, slow-downs and 429s). */
  get budgets(): RateBudget {
    return this.container.resolve(TOKENS.RateBudget);
  }

  /** Initial loads (`connector sync`): start or resume, progress. */
  get initialLoad(): InitialLoad {
    return this.container.resolve(TOKENS.InitialLoad);
  }

  /** Reconciliation runs and drifts (`connector reconcile`). */
  get reconciler(): Reconciler {
    return this.container.resolve(TOKENS.Reconciler);
  }

  /** Lot (feed) history of feed marketplaces. */
  get lots(): LotRepository {
    return this.container.resolve(TOKENS.Lots);
  }

  /** Admin API bearer tokens (config `admin.tokens`), checked in constant time. */
  get adminTokens(): AdminTokens {
    return this.container.resolve(TOKENS.AdminTokens);
  }

  /** Integration settings, minimum stock and enabled state saved through the admin API (secrets encrypted). */
  get integrationSettings(): IntegrationSettings {
    return this.container.resolve(TOKENS.IntegrationSettings);
  }

  /** Read models of the admin API and UI (inventory, unmapped categories, SKU history, activity). */
  get adminQueries(): AdminQueries {
    return this.container.resolve(TOKENS.AdminQueries);
  }

  /** Prometheus metrics (prom-client registry), served at /metrics. */
  get metrics(): RuntimeMetrics {
    return this.container.resolve(TOKENS.Metrics);
  }

  /** The limits the core enforces for an integration: the plugin's, with the config's overrides. */
  effectiveLimits(store: string, marketplace: string): IntegrationLimits {
    return this.container.resolve(TOKENS.IntegrationLimits).get(store, marketplace);
  }

  /**
   * New settings for an integration (e.g. new credentials): validated by the plugin's schema, the
   * plugin is activated again with them, and a paused integration is probed at once — when they
   * work, everything it kept queued flows again. Settings live in this process (config file); the
   * admin API will persist them.
   */
  async updateIntegrationSettings(store: string, marketplace: string, settings: Record<string, unknown>): Promise<void> {
    const storeConfig = this.stores.get(store);
    const integration = this.stores.integration(store, marketplace);
    if (!storeConfig || !integration) throw Errors.invalidArgument('marketplace', `store "${store}" has no integration "${marketplace}"`);
    const next = structuredClone(settings);
    const problems = this.plugins.validateSettings(storeConfig, marketplace, next);
    if (problems.length) throw Errors.settingsInvalid(`${store}/${marketplace}`, problems);
    integration.settings = next;
    await this.plugins.deactivate(store, marketplace);
    if (this.started && this.workers) await this.container.resolve(TOKENS.DeliveryWorkers).probeNow(store, marketplace);
  }

  /** Starts pg-boss, seeds the store registry, creates the queues and (unless disabled) the workers. */
  async start(): Promise<void> {
    if (this.started) return;
    await this.boss.start();
    await this.stores.seed();
    // Values saved through the admin API win over the config's (docs/admin.md), before anything runs.
    const settings = this.integrationSettings;
    settings.setApplier((change) => this.applyIntegrationChange(change));
    await settings.load();
    await this.container.resolve(TOKENS.Queues).ensureAll();
    await this.categoryMappings.seed();
    await this.logRetention.start(this.workers);
    await this.plugins.start(this.stores.list());
    if (this.workers) {
      const refresh = this.container.resolve(TOKENS.SkuRefreshStage);
      for (const store of this.stores.list()) {
        await refresh.start(store);
        for (const integration of store.integrations.filter((i) => i.enabled)) {
          // An integration whose plugin is refused or quarantined is paused: its jobs wait in the queues.
          const paused = this.plugins.pauseReason(store.account, integration.marketplace) ?? settings.pauseReason(store.account, integration.marketplace);
          if (paused) {
            this.log.warn({ store: store.account, marketplace: integration.marketplace, code: paused.code }, `integration paused: ${paused.reason}`);
            continue;
          }
          await this.startIntegration(store.account, integration.marketplace);
        }
      }
      this.container.resolve(TOKENS.DeliveryWorkers).run();
      // One change at a time, in order: a release handled before its quarantine's pause would leave
      // the integration without workers.
      this.statusSubscription = this.plugins.onDidChangeStatus((change) => {
        this.statusChanges = this.statusChanges.then(() => this.onPluginStatus(change));
      });
      const initialLoad = this.container.resolve(TOKENS.InitialLoad);
      await this.boss.work(QueueNames.initialLoad(), { batchSize: 1, pollingIntervalSeconds: 1, notifyPollingIntervalSeconds: RETRY_POLL_SECONDS }, async ([job]) => {
        await initialLoad.handlePage(job as never);
      });
      const reconciler = this.container.resolve(TOKENS.Reconciler);
      await this.boss.work(QueueNames.reconcile(), { batchSize: 1, pollingIntervalSeconds: 5 }, async ([job]) => {
        await reconciler.handle(job as never);
      });
      await reconciler.schedule();
      this.container.resolve(TOKENS.Dispatcher).start();
      this.container.resolve(TOKENS.PlannerStatistics).start();
    }
    settings.watch();
    this.started = true;
    this.log.info({ stores: this.stores.list().length, database: this.db.kind, workers: this.workers }, 'connector runtime started');
  }

  /**
   * Starts an integration's marketplace-sync worker and its delivery workers (item: the delivery
   * queue; feed: lots), or — after a quarantine — lets its held delivery workers follow their gate again.
   */
  private async startIntegration(account: string, marketplace: string): Promise<void> {
    const store = this.stores.get(account);
    const integration = this.stores.integration(account, marketplace);
    if (!store || !integration?.enabled) return;
    await this.container.resolve(TOKENS.MarketplaceSyncStage).start(store, integration);
    const deliveryWorkers = this.container.resolve(TOKENS.DeliveryWorkers);
    if (deliveryWorkers.isRegistered(account, marketplace)) return deliveryWorkers.hold(account, marketplace, false);
    const { capabilities } = this.container.resolve(TOKENS.IntegrationLimits).get(account, marketplace);
    const workers =
      capabilities.mode === 'feed'
        ? this.container.resolve(TOKENS.LotStage).workers(store, integration)
        : this.container.resolve(TOKENS.DeliveryStage).workers(store, integration);
    await deliveryWorkers.start(store, integration, workers);
  }

  /**
   * Acts on integration settings saved through the admin API (by this process or, seen by polling,
   * another): new settings re-activate the plugin and probe a paused integration; enabling starts the
   * integration's workers, disabling (or unusable saved secrets) stops them — their jobs wait.
   */
  private async applyIntegrationChange(change: AppliedChange): Promise<void> {
    const { store, marketplace } = change;
    try {
      if (change.settings) await this.plugins.deactivate(store, marketplace);
      if (!this.started || !this.workers) return;
      const integration = this.stores.integration(store, marketplace);
      const run = integration?.enabled && !change.paused && !this.plugins.isPaused(store, marketplace) && !this.integrationSettings.pauseReason(store, marketplace);
      const deliveryWorkers = this.container.resolve(TOKENS.DeliveryWorkers);
      if (change.enabled || change.paused || change.resumed) {
        if (run) {
          this.log.info({ store, marketplace }, 'integration started (admin settings)');
          await this.startIntegration(store, marketplace);
        } else {
          this.log.warn({ store, marketplace }, 'integration stopped (admin settings): its jobs wait in their queues');
          await this.boss.offWork(QueueNames.marketplaceSync(store, marketplace), { wait: false });
          if (deliveryWorkers.isRegistered(store, marketplace)) deliveryWorkers.hold(store, marketplace, true);
        }
      }
      if (change.settings && run) await deliveryWorkers.probeNow(store, marketplace);
    } catch (error) {
      this.log.error({ err: error, store, marketplace }, 'could not apply the saved integration settings');
    }
  }

  /** A quarantine pauses the plugin's integrations (no worker takes their jobs); a release resumes them. */
  private async onPluginStatus(change: PluginStatusChange): Promise<void> {
    for (const { store, marketplace } of change.integrations) {
      try {
        if (change.change === 'quarantined') {
          this.log.warn({ store, marketplace, reason: change.reason }, 'integration paused: its plugin is quarantined');
          await this.boss.offWork(QueueNames.marketplaceSync(store, marketplace), { wait: false });
          this.container.resolve(TOKENS.DeliveryWorkers).hold(store, marketplace, true);
        } else if (this.started) {
          this.log.info({ store, marketplace }, 'integration resumed: its plugin was released');
          await this.startIntegration(store, marketplace);
        }
      } catch (error) {
        this.log.error({ err: error, store, marketplace }, `could not ${change.change === 'quarantined' ? 'pause' : 'resume'} the integration`);
      }
    }
  }

  /** Stops taking work, lets in-flight jobs finish (up to `timeoutMs`), deactivates plugins, closes the database. */
  async stop(timeoutMs = 10_000): Promise<void> {
    await this.inbox.drain();
    await this.integrationSettings.stop();
    if (this.started) {
      await this.container.resolve(TOKENS.Dispatcher).stop();
      await this.container.resolve(TOKENS.DeliveryWorkers).stop();
      await this.container.resolve(TOKENS.PlannerStatistics).stop();
      await this.boss.stop({ graceful: true, timeout: timeoutMs });
    }
    this.statusSubscription?.dispose();
    await this.statusChanges;
    await this.plugins.dispose();
    await this.container.resolve(TOKENS.ActivityRecorder).stop();
    if (this.ownsDb) await this.db.close();
    this.started = false;
  }
}
