import type { InjectionToken } from 'tsyringe';
import type { PgBoss } from 'pg-boss';
import type { ConnectorConfig } from '../config/types.js';
import type { Database } from '../database/database.js';
import type { Logger } from '../logging/logger.js';
import type { Clock } from '../util/clock.js';

/**
 * Service identifiers, VS Code style: every constructor parameter is injected by one of these
 * explicit tokens (esbuild-based runners do not emit decorator metadata, and explicit tokens keep
 * the dependency graph readable). Class-typed services are registered under their own token too.
 */
function token<T>(name: string): InjectionToken<T> {
  return Symbol.for(`connector.${name}`) as InjectionToken<T>;
}

export const TOKENS = {
  Config: token<ConnectorConfig>('Config'),
  Database: token<Database>('Database'),
  Boss: token<PgBoss>('Boss'),
  Logger: token<Logger>('Logger'),
  Clock: token<Clock>('Clock'),
  StoreRegistry: token<import('../stores/store-registry.js').StoreRegistry>('StoreRegistry'),
  VtexClients: token<import('../vtex/vtex-clients.js').VtexClients>('VtexClients'),
  PluginHost: token<import('../plugins/plugin-host.js').PluginHost>('PluginHost'),
  PluginHostOptions: token<import('../plugins/plugin-host.js').PluginHostOptions>('PluginHostOptions'),
  /** Meters and records every plugin ctx.http call (the delivery engine's rate budget and operation log). */
  HttpMeter: token<import('../plugins/http-meter.js').HttpMeter>('HttpMeter'),
  SnapshotRepository: token<import('../state/snapshot-repository.js').SnapshotRepository>('SnapshotRepository'),
  StateRepository: token<import('../state/state-repository.js').StateRepository>('StateRepository'),
  NotificationInbox: token<import('../ingest/notification-inbox.js').NotificationInbox>('NotificationInbox'),
  Dispatcher: token<import('../ingest/dispatcher.js').Dispatcher>('Dispatcher'),
  SkuRefreshStage: token<import('../pipeline/sku-refresh.js').SkuRefreshStage>('SkuRefreshStage'),
  MarketplaceSyncStage: token<import('../pipeline/marketplace-sync.js').MarketplaceSyncStage>('MarketplaceSyncStage'),
  DeliveryStage: token<import('../pipeline/delivery.js').DeliveryStage>('DeliveryStage'),
  Queues: token<import('../queue/queues.js').Queues>('Queues'),
  NotificationLedger: token<import('../state/notification-ledger.js').NotificationLedger>('NotificationLedger'),
  MarketplaceSpecs: token<import('../mapping/marketplace-specs.js').MarketplaceSpecs>('MarketplaceSpecs'),
  CategoryMappings: token<import('../catalog/category-mappings.js').CategoryMappings>('CategoryMappings'),
  PolicyEngine: token<import('../policies/policy-engine.js').PolicyEngine>('PolicyEngine'),
  PolicyWarnings: token<import('../policies/policy-warnings.js').PolicyWarnings>('PolicyWarnings'),
  OperationLog: token<import('../oplog/operation-log.js').OperationLog>('OperationLog'),
  OperationLogRetention: token<import('../oplog/retention.js').OperationLogRetention>('OperationLogRetention'),
  RateBudget: token<import('../delivery/rate-budget.js').RateBudget>('RateBudget'),
  Breakers: token<import('../delivery/breakers.js').Breakers>('Breakers'),
  Contingency: token<import('../delivery/contingency.js').Contingency>('Contingency'),
  DeliveryGate: token<import('../delivery/gate.js').DeliveryGate>('DeliveryGate'),
  IntegrationLimits: token<import('../delivery/integration-limits.js').IntegrationLimitsService>('IntegrationLimits'),
  MarketplaceCaller: token<import('../delivery/marketplace-caller.js').MarketplaceCaller>('MarketplaceCaller'),
  PublishIntents: token<import('../delivery/publish-intents.js').PublishIntents>('PublishIntents'),
  DeliveryWorkers: token<import('../delivery/delivery-workers.js').DeliveryWorkers>('DeliveryWorkers'),
  DeadLetters: token<import('../delivery/dead-letters.js').DeadLetters>('DeadLetters'),
  LotStage: token<import('../delivery/lots/lot-stage.js').LotStage>('LotStage'),
  Lots: token<import('../delivery/lots/lot-repository.js').LotRepository>('Lots'),
  InitialLoad: token<import('../initial-load/initial-load.js').InitialLoad>('InitialLoad'),
  Reconciler: token<import('../reconciliation/reconciler.js').Reconciler>('Reconciler'),
  // Admin API and observability
  SecretBox: token<import('../admin/secret-box.js').SecretBox>('SecretBox'),
  AdminTokens: token<import('../admin/admin-tokens.js').AdminTokens>('AdminTokens'),
  IntegrationSettings: token<import('../admin/integration-settings.js').IntegrationSettings>('IntegrationSettings'),
  AdminQueries: token<import('../admin/admin-queries.js').AdminQueries>('AdminQueries'),
  Metrics: token<import('../observability/metrics.js').RuntimeMetrics>('Metrics'),
  ActivityRecorder: token<import('../observability/activity-recorder.js').ActivityRecorder>('ActivityRecorder'),
  PlannerStatistics: token<import('../database/planner-statistics.js').PlannerStatistics>('PlannerStatistics'),
} as const;
