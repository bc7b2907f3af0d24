import { randomUUID } from 'node:crypto';
import type { PgBoss } from 'pg-boss';
import { QueueNames } from '../queue/queue-names.js';
import type { Queryable } from '../database/database.js';

/**
 * Puts SKUs back through marketplace-sync from their stored snapshots (no VTEX read, no
 * notification): used when something on the connector's side changed — a category mapping was
 * added, a held price was approved. `requestId` says why, in the logs (`category-mapping:<uuid>`).
 */
export async function enqueueMarketplaceSync(
  boss: PgBoss,
  store: string,
  marketplace: string,
  skuIds: string[],
  reason: string,
  tx?: Queryable & { bossDb: import('pg-boss').Db },
): Promise<string> {
  const requestId = `${reason}:${randomUUID()}`;
  const queue = QueueNames.marketplaceSync(store, marketplace);
  for (let i = 0; i < skuIds.length; i += 1000) {
    const jobs = skuIds.slice(i, i + 1000).map((skuId) => ({ data: { skuId, requestId }, singletonKey: skuId }));
    await boss.insert(queue, jobs, tx ? { db: tx.bossDb } : undefined);
  }
  return requestId;
}
