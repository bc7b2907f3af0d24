import type { Job, JobResult, PgBoss } from 'pg-boss';
import { inject, injectable } from 'tsyringe';
import type { StoreConfig } from '../config/types.js';
import { TOKENS } from '../di/tokens.js';
import type { SkuRefreshJob } from '../ingest/dispatcher.js';
import type { Logger } from '../logging/logger.js';
import { QueueNames } from '../queue/queue-names.js';
import type { SnapshotRepository } from '../state/snapshot-repository.js';
import type { StoreRegistry } from '../stores/store-registry.js';
import type { Clock } from '../util/clock.js';
import { settleLimit } from '../util/map-limit.js';
import type { SkuSnapshot, VtexOffer, VtexProduct, VtexSkuAndContext } from '../vtex/types.js';
import type { VtexClients } from '../vtex/vtex-clients.js';

export type MarketplaceSyncJob = Omit<SkuRefreshJob, 'marketplaces'>;

/** Calls to VTEX in flight at once per batch (Catalog allows 15,000 req/min per endpoint). */
const VTEX_CONCURRENCY = 8;
/** Items per fulfillment simulation call. */
const SIMULATION_CHUNK = 50;

/**
 * `sku-refresh`: notifications are hints, VTEX is the truth. Reads each SKU's catalog data, its
 * product and its price/stock (simulation without postalCode) once, stores the snapshot, and hands
 * the SKU to every enabled marketplace of the store.
 */
@injectable()
export class SkuRefreshStage {
  constructor(
    @inject(TOKENS.Boss) private readonly boss: PgBoss,
    @inject(TOKENS.VtexClients) private readonly vtex: VtexClients,
    @inject(TOKENS.StoreRegistry) private readonly stores: StoreRegistry,
    @inject(TOKENS.SnapshotRepository) private readonly snapshots: SnapshotRepository,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Logger) private readonly log: Logger,
  ) {}

  async start(store: StoreConfig): Promise<void> {
    await this.boss.work<SkuRefreshJob>(
      QueueNames.skuRefresh(store.account),
      { batchSize: 50, perJobResults: true, burstWhenBatchFull: true, pollingIntervalSeconds: 1 },
      (jobs) => this.handle(store, jobs),
    );
  }

  async handle(store: StoreConfig, jobs: Job<SkuRefreshJob>[]): Promise<JobResult[]> {
    const client = this.vtex.for(store.account);
    const skuIds = [...new Set(jobs.map((j) => j.data.skuId))];

    const skuResults = await settleLimit(skuIds, VTEX_CONCURRENCY, (id) => client.getSkuAndContext(id));
    const skus = new Map<string, VtexSkuAndContext | null>();
    const failures = new Map<string, unknown>();
    skuIds.forEach((id, i) => {
      const r = skuResults[i];
      if (r.ok) skus.set(id, r.value);
      else failures.set(id, r.error);
    });

    const productIds = [...new Set([...skus.values()].flatMap((s) => (s ? [s.ProductId] : [])))];
    const productResults = await settleLimit(productIds, VTEX_CONCURRENCY, (id) => client.getProduct(id));
    const products = new Map<number, VtexProduct | null>();
    productIds.forEach((id, i) => {
      const r = productResults[i];
      if (r.ok) products.set(id, r.value);
    });

    const offers = new Map<string, VtexOffer>();
    const simulate = [...skus.entries()].filter(([, s]) => s).map(([id]) => id);
    for (let i = 0; i < simulate.length; i += SIMULATION_CHUNK) {
      const chunk = simulate.slice(i, i + SIMULATION_CHUNK);
      try {
        for (const [id, offer] of await client.simulate(chunk)) offers.set(id, offer);
      } catch (error) {
        for (const id of chunk) failures.set(id, error);
      }
    }

    const fetchedAt = new Date(this.clock.now()).toISOString();
    const snapshots: SkuSnapshot[] = [];
    for (const [skuId, sku] of skus) {
      if (failures.has(skuId)) continue;
      if (sku && !products.has(sku.ProductId)) {
        failures.set(skuId, new Error(`product ${sku.ProductId} could not be read`));
        continue;
      }
      const product = sku ? (products.get(sku.ProductId) ?? null) : null;
      snapshots.push({
        store: store.account,
        skuId,
        fetchedAt,
        sku,
        product,
        offer: offers.get(skuId) ?? null,
        salesChannel: store.vtex.salesChannel,
        categoryId: deepestCategory(sku, product),
      });
    }
    await this.snapshots.saveMany(snapshots);

    const requestIds = new Map(jobs.map((j) => [j.data.skuId, j.data.requestId]));
    // A SKU goes to every marketplace one of its jobs asks for (a job without `marketplaces`: all).
    const wanted = new Map<string, Set<string> | 'all'>();
    for (const { data } of jobs) {
      const before = wanted.get(data.skuId);
      if (!data.marketplaces) wanted.set(data.skuId, 'all');
      else if (before !== 'all') wanted.set(data.skuId, new Set([...(before ?? []), ...data.marketplaces]));
    }
    for (const integration of this.stores.enabledIntegrations(store.account)) {
      const next = snapshots
        .filter((s) => {
          const w = wanted.get(s.skuId);
          return w === 'all' || w?.has(integration.marketplace);
        })
        .map((s) => ({ data: { skuId: s.skuId, requestId: requestIds.get(s.skuId)! }, singletonKey: s.skuId }));
      if (next.length) await this.boss.insert(QueueNames.marketplaceSync(store.account, integration.marketplace), next);
    }

    if (failures.size) {
      this.log.warn({ store: store.account, failed: failures.size, first: String((failures.values().next().value as Error)?.message) }, 'VTEX reads failed; those SKUs will be retried');
    }
    return jobs.map((job) => {
      const error = failures.get(job.data.skuId);
      return error
        ? { id: job.id, status: 'failed' as const, output: { message: (error as Error)?.message ?? String(error) } }
        : { id: job.id, status: 'completed' as const };
    });
  }
}

/** "/1/2/" → "2"; falls back to the product's CategoryId. */
export function deepestCategory(sku: VtexSkuAndContext | null, product: VtexProduct | null): string | null {
  const path = sku?.ProductCategoryIds?.split('/').filter(Boolean) ?? [];
  if (path.length) return path[path.length - 1];
  return product?.CategoryId ? String(product.CategoryId) : null;
}
