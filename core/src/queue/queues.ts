import type { PgBoss, Queue } from 'pg-boss';
import { inject, injectable } from 'tsyringe';
import { TOKENS } from '../di/tokens.js';
import type { StoreRegistry } from '../stores/store-registry.js';
import { QueueNames } from './queue-names.js';

/** Retries for marketplace delivery: VTEX asks for at least 10 on 5xx, with backoff, then a dead letter. */
export const DELIVERY_RETRY = { retryLimit: 10, retryDelay: 2, retryBackoff: true, retryDelayMax: 600 } as const;

/** Creates the pg-boss queues of every store and integration (idempotent). */
@injectable()
export class Queues {
  constructor(
    @inject(TOKENS.Boss) private readonly boss: PgBoss,
    @inject(TOKENS.StoreRegistry) private readonly stores: StoreRegistry,
  ) {}

  async ensureAll(): Promise<void> {
    for (const store of this.stores.list()) {
      // `stately`: at most one queued and one active job per singletonKey (the SKU), so a burst of
      // notifications for one SKU collapses into one refresh — the refresh re-reads VTEX anyway.
      await this.ensure({ name: QueueNames.skuRefresh(store.account), policy: 'stately', notify: true, retryLimit: 5, retryDelay: 5, retryBackoff: true });
      for (const integration of store.integrations) {
        const dead = QueueNames.deadLetter(store.account, integration.marketplace);
        await this.ensure({ name: dead, policy: 'standard' });
        await this.ensure({ name: QueueNames.marketplaceSync(store.account, integration.marketplace), policy: 'stately', notify: true, retryLimit: 5, retryDelay: 5, retryBackoff: true });
        await this.ensure({ name: QueueNames.delivery(store.account, integration.marketplace), policy: 'stately', notify: true, deadLetter: dead, ...DELIVERY_RETRY });
      }
    }
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
