import 'reflect-metadata';
import { PgBoss } from 'pg-boss';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { ConnectorConfig } from '../config/types.js';
import type { Database, DatabaseOptions } from '../database/database.js';
import { migrate } from '../database/migrate.js';
import { openDatabase } from '../database/open.js';
import { TOKENS } from '../di/tokens.js';
import { Errors } from '../errors/errors.js';
import { CategoryMappings } from '../catalog/category-mappings.js';
import { Dispatcher } from '../ingest/dispatcher.js';
import { NotificationInbox } from '../ingest/notification-inbox.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { MarketplaceSpecs } from '../mapping/marketplace-specs.js';
import { OperationLog } from '../oplog/operation-log.js';
import { OperationLogRetention } from '../oplog/retention.js';
import { DeliveryStage } from '../pipeline/delivery.js';
import { MarketplaceSyncStage } from '../pipeline/marketplace-sync.js';
import { SkuRefreshStage } from '../pipeline/sku-refresh.js';
import { PluginHost } from '../plugins/plugin-host.js';
import { PolicyEngine } from '../policies/policy-engine.js';
import { PolicyWarnings } from '../policies/policy-warnings.js';
import { Queues } from '../queue/queues.js';
import { NotificationLedger } from '../state/notification-ledger.js';
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
}

/**
 * The composition root: the only place that knows every concrete class. Each runtime gets its own
 * child container, so several can live in one process (tests, two-process simulations).
 */
export class ConnectorRuntime {
  private started = false;

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
      ] as const) {
        c.registerSingleton(token as symbol, cls as never);
      }

      // Integrations whose marketplace has no plugin, or whose settings the plugin refuses, are
      // config errors: listed together, before anything starts.
      const problems = c.resolve(TOKENS.PluginHost).validateIntegrations(options.config.stores);
      if (problems.length) throw Errors.configInvalid(options.config.source, problems);
      // A plugin whose field mappings or registration rules are unsound fails here, listing every problem.
      const specs = c.resolve(TOKENS.MarketplaceSpecs);
      for (const marketplace of new Set(options.config.stores.flatMap((s) => s.integrations.map((i) => i.marketplace)))) specs.get(marketplace);

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

  /** Starts pg-boss, seeds the store registry, creates the queues and (unless disabled) the workers. */
  async start(): Promise<void> {
    if (this.started) return;
    await this.boss.start();
    await this.stores.seed();
    await this.container.resolve(TOKENS.Queues).ensureAll();
    await this.categoryMappings.seed();
    await this.logRetention.start(this.workers);
    if (this.workers) {
      const refresh = this.container.resolve(TOKENS.SkuRefreshStage);
      const sync = this.container.resolve(TOKENS.MarketplaceSyncStage);
      const delivery = this.container.resolve(TOKENS.DeliveryStage);
      for (const store of this.stores.list()) {
        await refresh.start(store);
        for (const integration of store.integrations.filter((i) => i.enabled)) {
          await sync.start(store, integration);
          await delivery.start(store, integration);
        }
      }
      this.container.resolve(TOKENS.Dispatcher).start();
    }
    this.started = true;
    this.log.info({ stores: this.stores.list().length, database: this.db.kind, workers: this.workers }, 'connector runtime started');
  }

  /** Stops taking work, lets in-flight jobs finish (up to `timeoutMs`), deactivates plugins, closes the database. */
  async stop(timeoutMs = 10_000): Promise<void> {
    await this.inbox.drain();
    if (this.started) {
      await this.container.resolve(TOKENS.Dispatcher).stop();
      await this.boss.stop({ graceful: true, timeout: timeoutMs });
    }
    await this.plugins.dispose();
    if (this.ownsDb) await this.db.close();
    this.started = false;
  }
}
