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
} as const;
