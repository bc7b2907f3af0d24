import type { PgBoss, Queue } from 'pg-boss';
import { inject, injectable } from 'tsyringe';
import type { ConnectorConfig } from '../config/types.js';
import { TOKENS } from '../di/tokens.js';
import type { PluginHost } from '../plugins/plugin-host.js';
import type { StoreRegistry } from '../stores/store-registry.js';
import { QueueNames } from './queue-names.js';

/**
 * Jobs of a process that died are taken back once their heartbeat is this old (pg-boss checks at
 * each monitor pass), instead of after the 15-minute expiry.
 */
export const HEARTBEAT_SECONDS = 30;
/**
 * Retries and deferred jobs wake no LISTEN/NOTIFY (only new jobs do), so workers of queues that call
 * marketplaces poll this often even with NOTIFY on (pg-boss's default is then 30 s).
 */
export const RETRY_POLL_SECONDS = 2;
/** Dead letters wait for an operator (`connector dlq replay`) this long before pg-boss drops them. */
const DEAD_LETTER_RETENTION_SECONDS = 30 * 24 * 3600;

/** Retries for work that calls a marketplace: VTEX asks for at least 10 on 5xx, with backoff, then a dead letter. */
export function deliveryRetry(config: ConnectorConfig) {
  const { limit, delaySeconds, maxDelaySeconds } = config.delivery.retry;
  return { retryLimit: limit, retryDelay: delaySeconds, retryBackoff: true, retryDelayMax: maxDelaySeconds } as const;
}

/** Creates the pg-boss queues of every store and integration (idempotent). */
@injectable()
export class Queues {
  constructor(
    @inject(TOKENS.Boss) private readonly boss: PgBoss,
    @inject(TOKENS.StoreRegistry) private readonly stores: StoreRegistry,
    @inject(TOKENS.Config) private readonly config: ConnectorConfig,
    @inject(TOKENS.PluginHost) private readonly plugins: PluginHost,
  ) {}

  async ensureAll(): Promise<void> {
    const retry = deliveryRetry(this.config);
    const heartbeat = { heartbeatSeconds: HEARTBEAT_SECONDS };
    for (const store of this.stores.list()) {
      // `stately`: at most one queued and one active job per singletonKey (the SKU), so a burst of
      // notifications for one SKU collapses into one refresh — the refresh re-reads VTEX anyway.
      await this.ensure({ name: QueueNames.skuRefresh(store.account), policy: 'stately', notify: true, retryLimit: 5, retryDelay: 5, retryBackoff: true, ...heartbeat });
      for (const integration of store.integrations) {
        const { marketplace } = integration;
        const dead = QueueNames.deadLetter(store.account, marketplace);
        await this.ensure({ name: dead, policy: 'standard', retentionSeconds: DEAD_LETTER_RETENTION_SECONDS });
        await this.ensure({ name: QueueNames.marketplaceSync(store.account, marketplace), policy: 'stately', notify: true, retryLimit: 5, retryDelay: 5, retryBackoff: true, ...heartbeat });
        await this.ensure({ name: QueueNames.delivery(store.account, marketplace), policy: 'stately', notify: true, deadLetter: dead, ...retry, ...heartbeat });
        if (this.plugins.manifest(marketplace).contributes.marketplace.capabilities?.mode === 'feed') {
          // Lot ids are unique, so `standard`; the handlers are idempotent per lot.
          await this.ensure({ name: QueueNames.lotSubmit(store.account, marketplace), policy: 'standard', notify: true, deadLetter: dead, ...retry, ...heartbeat });
          await this.ensure({ name: QueueNames.feedStatus(store.account, marketplace), policy: 'standard', notify: true, deadLetter: dead, ...retry, ...heartbeat });
        }
      }
    }
    await this.ensure({ name: QueueNames.initialLoad(), policy: 'standard', notify: true, retryLimit: 10, retryDelay: 5, retryBackoff: true, retryDelayMax: 300, ...heartbeat });
    // One run at a time per integration and kind (singletonKey), so a slow cycle is never doubled.
    await this.ensure({ name: QueueNames.reconcile(), policy: 'singleton', retryLimit: 2, retryDelay: 60, ...heartbeat });
  }

  private async ensure(queue: Queue): Promise<void> {
    const existing = await this.boss.getQueue(queue.name);
    if (existing) {
      const { name, policy: _policy, partition: _partition, ...options } = queue;
      // Keep retry/dead-letter settings current when they change between releases.
      if (Object.keys(options).length) await this.boss.updateQueue(name, options);
    } else {
      await this.boss.createQueue(queue.name, queue);
    }
  }
}
