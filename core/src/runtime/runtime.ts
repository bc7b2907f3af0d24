import 'reflect-metadata';
import { PgBoss } from 'pg-boss';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { ConnectorConfig } from '../config/types.js';
import type { Disposable } from '../plugin-api/index.js';
import type { Database, DatabaseOptions } from '../database/database.js';
import { migrate } from '../database/migrate.js';
import { openDatabase } from '../database/open.js';
import { TOKENS } from '../di/tokens.js';
import { Errors } from '../errors/errors.js';
import { Dispatcher } from '../ingest/dispatcher.js';
import { NotificationInbox } from '../ingest/notification-inbox.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { DeliveryStage } from '../pipeline/delivery.js';
import { MarketplaceSyncStage } from '../pipeline/marketplace-sync.js';
import { SkuRefreshStage } from '../pipeline/sku-refresh.js';
import { noopHttpMeter, type HttpMeter } from '../plugins/http-meter.js';
import { PluginHost, type PluginHostOptions, type PluginStatusChange } from '../plugins/plugin-host.js';
import { QueueNames } from '../queue/queue-names.js';
import { Queues } from '../queue/queues.js';
import { SnapshotRepository } from '../state/snapshot-repository.js';
import { StateRepository } from '../state/state-repository.js';
import { StoreRegistry } from '../stores/store-registry.js';
import { systemClock, type Clock } from '../util/clock.js';
import { VtexClients } from '../vtex/vtex-clients.js';

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
        superviseIntervalSeconds: 60,
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
      c.register(TOKENS.HttpMeter, { useValue: options.httpMeter ?? noopHttpMeter });
      for (const [token, cls] of [
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
      ] as const) {
        c.registerSingleton(token as symbol, cls as never);
      }

      // Integrations whose marketplace has no plugin, or whose settings the plugin refuses, are
      // config errors: listed together, before anything starts.
      const problems = c.resolve(TOKENS.PluginHost).validateIntegrations(options.config.stores);
      if (problems.length) throw Errors.configInvalid(options.config.source, problems);

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

  /** Starts pg-boss, seeds the store registry, creates the queues and (unless disabled) the workers. */
  async start(): Promise<void> {
    if (this.started) return;
    await this.boss.start();
    await this.stores.seed();
    await this.container.resolve(TOKENS.Queues).ensureAll();
    await this.plugins.start(this.stores.list());
    if (this.workers) {
      const refresh = this.container.resolve(TOKENS.SkuRefreshStage);
      for (const store of this.stores.list()) {
        await refresh.start(store);
        for (const integration of store.integrations.filter((i) => i.enabled)) {
          // An integration whose plugin is refused or quarantined is paused: its jobs wait in the queues.
          const paused = this.plugins.pauseReason(store.account, integration.marketplace);
          if (paused) {
            this.log.warn({ store: store.account, marketplace: integration.marketplace, code: paused.code }, `integration paused: ${paused.reason}`);
            continue;
          }
          await this.startIntegration(store.account, integration.marketplace);
        }
      }
      // One change at a time, in order: a release handled before its quarantine's pause would leave
      // the integration without workers.
      this.statusSubscription = this.plugins.onDidChangeStatus((change) => {
        this.statusChanges = this.statusChanges.then(() => this.onPluginStatus(change));
      });
      this.container.resolve(TOKENS.Dispatcher).start();
    }
    this.started = true;
    this.log.info({ stores: this.stores.list().length, database: this.db.kind, workers: this.workers }, 'connector runtime started');
  }

  private async startIntegration(account: string, marketplace: string): Promise<void> {
    const store = this.stores.get(account);
    const integration = this.stores.integration(account, marketplace);
    if (!store || !integration?.enabled) return;
    await this.container.resolve(TOKENS.MarketplaceSyncStage).start(store, integration);
    await this.container.resolve(TOKENS.DeliveryStage).start(store, integration);
  }

  /** A quarantine pauses the plugin's integrations (no worker takes their jobs); a release resumes them. */
  private async onPluginStatus(change: PluginStatusChange): Promise<void> {
    for (const { store, marketplace } of change.integrations) {
      try {
        if (change.change === 'quarantined') {
          this.log.warn({ store, marketplace, reason: change.reason }, 'integration paused: its plugin is quarantined');
          await this.boss.offWork(QueueNames.marketplaceSync(store, marketplace), { wait: false });
          await this.boss.offWork(QueueNames.delivery(store, marketplace), { wait: false });
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
    if (this.started) {
      await this.container.resolve(TOKENS.Dispatcher).stop();
      await this.boss.stop({ graceful: true, timeout: timeoutMs });
    }
    this.statusSubscription?.dispose();
    await this.statusChanges;
    await this.plugins.dispose();
    if (this.ownsDb) await this.db.close();
    this.started = false;
  }
}
