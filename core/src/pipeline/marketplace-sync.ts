import type { Job, JobResult, PgBoss } from 'pg-boss';
import { inject, injectable } from 'tsyringe';
import type { IntegrationConfig, StoreConfig } from '../config/types.js';
import { TOKENS } from '../di/tokens.js';
import { Errors } from '../errors/errors.js';
import type { Logger } from '../logging/logger.js';
import type { Fix, RemoteHandlers } from '../plugin-api/index.js';
import type { PluginHost } from '../plugins/plugin-host.js';
import { QueueNames } from '../queue/queue-names.js';
import type { SnapshotRepository } from '../state/snapshot-repository.js';
import type { StateRepository, StateUpdate } from '../state/state-repository.js';
import { hashPayload } from '../util/hash.js';
import type { SkuSnapshot } from '../vtex/types.js';
import type { MarketplaceSyncJob } from './sku-refresh.js';

export type DeliveryJob = MarketplaceSyncJob;

/**
 * `marketplace-sync`, per store × marketplace: checks the snapshot (every problem at once), maps it
 * to the marketplace's payload, and records it as the SKU's desired state. Only a payload that
 * differs from the one last delivered goes on to delivery.
 */
@injectable()
export class MarketplaceSyncStage {
  constructor(
    @inject(TOKENS.Boss) private readonly boss: PgBoss,
    @inject(TOKENS.PluginHost) private readonly plugins: PluginHost,
    @inject(TOKENS.SnapshotRepository) private readonly snapshots: SnapshotRepository,
    @inject(TOKENS.StateRepository) private readonly state: StateRepository,
    @inject(TOKENS.Logger) private readonly log: Logger,
  ) {}

  async start(store: StoreConfig, integration: IntegrationConfig): Promise<void> {
    await this.boss.work<MarketplaceSyncJob>(
      QueueNames.marketplaceSync(store.account, integration.marketplace),
      { batchSize: 100, perJobResults: true, burstWhenBatchFull: true, pollingIntervalSeconds: 1 },
      (jobs) => this.handle(store, integration, jobs),
    );
  }

  async handle(store: StoreConfig, integration: IntegrationConfig, jobs: Job<MarketplaceSyncJob>[]): Promise<JobResult[]> {
    const { marketplace } = integration;
    const handlers = await this.plugins.handlers(store, marketplace);
    const skuIds = [...new Set(jobs.map((j) => j.data.skuId))];
    const [snapshots, states] = await Promise.all([
      this.snapshots.loadMany(store.account, skuIds),
      this.state.load(store.account, marketplace, skuIds),
    ]);
    const requestIds = new Map(jobs.map((j) => [j.data.skuId, j.data.requestId]));

    const updates: StateUpdate[] = [];
    const deliveries: DeliveryJob[] = [];
    for (const skuId of skuIds) {
      const requestId = requestIds.get(skuId)!;
      const base = { store: store.account, marketplace, skuId, requestId };
      const outcome = await evaluate(snapshots.get(skuId), integration, handlers);
      if (outcome.kind === 'problems') {
        updates.push({ ...base, status: outcome.status, fixes: outcome.fixes });
        continue;
      }
      const hash = hashPayload(outcome.payload);
      const current = states.get(skuId);
      if (current?.status === 'synced' && current.delivered_hash === hash) continue; // unchanged: nothing to send
      updates.push({ ...base, status: 'pending', desired: { payload: outcome.payload, hash } });
      deliveries.push({ skuId, requestId });
    }
    // The desired payload is committed before the delivery job exists: delivery reads it from state.
    await this.state.apply(updates);
    if (deliveries.length) {
      await this.boss.insert(
        QueueNames.delivery(store.account, marketplace),
        deliveries.map((data) => ({ data, singletonKey: data.skuId })),
      );
    }
    return jobs.map((job) => ({ id: job.id, status: 'completed' as const }));
  }
}

type Outcome =
  | { kind: 'payload'; payload: Record<string, unknown> }
  | { kind: 'problems'; status: 'invalid' | 'pending-category'; fixes: Fix[] };

/** Every check at once, before publishing: the seller gets the whole list of fixes. */
export async function evaluate(snapshot: SkuSnapshot | undefined, integration: IntegrationConfig, handlers: RemoteHandlers): Promise<Outcome> {
  if (!snapshot?.sku) {
    return { kind: 'problems', status: 'invalid', fixes: [{ field: 'IdSku', rule: 'exists', message: 'VTEX does not know this SKU any more; nothing will be sent.' }] };
  }
  const { sku, product, offer } = snapshot;
  const fixes: Fix[] = [];
  if (!sku.IsActive) fixes.push({ field: 'IsActive', rule: 'active', message: 'The SKU is inactive in VTEX: activate it in the catalog.' });
  if (product?.IsActive === false || sku.IsProductActive === false) {
    fixes.push({ field: 'Product.IsActive', rule: 'active', message: `Product ${sku.ProductId} is inactive in VTEX: activate it in the catalog.` });
  }
  if (!(sku.SalesChannels ?? []).includes(snapshot.salesChannel)) {
    fixes.push({ field: 'SalesChannels', rule: 'trade-policy', message: `Associate the product with trade policy ${snapshot.salesChannel}, the one this integration uses.` });
  }
  if (!offer) {
    fixes.push({ field: 'price', rule: 'simulation', message: `The SKU is missing from the fulfillment simulation: configure its price and stock in trade policy ${snapshot.salesChannel}.` });
  }
  const category = snapshot.categoryId ? integration.categoryMappings[snapshot.categoryId] : undefined;
  if (fixes.length === 0 && offer && category) {
    if (!handlers.map) throw Errors.pluginHandlerMissing(integration.marketplace, 'map');
    const mapped = await handlers.map({ snapshot: { ...snapshot, sku, offer }, marketplaceCategoryId: category });
    if (mapped.ok) return { kind: 'payload', payload: mapped.payload };
    fixes.push(...mapped.fixes);
  }
  if (fixes.length) return { kind: 'problems', status: 'invalid', fixes };
  return {
    kind: 'problems',
    status: 'pending-category',
    fixes: [{ field: 'ProductCategoryIds', rule: 'category-mapping', message: `Map VTEX category ${snapshot.categoryId ?? '(none)'} to a ${integration.marketplace} category (integrations[].categoryMappings).` }],
  };
}
