import type { Job, JobResult, PgBoss } from 'pg-boss';
import { inject, injectable } from 'tsyringe';
import type { ConnectorConfig, StoreConfig } from '../config/types.js';
import { TOKENS } from '../di/tokens.js';
import type { SkuRefreshJob } from '../ingest/dispatcher.js';
import type { Logger } from '../logging/logger.js';
import { QueueNames } from '../queue/queue-names.js';
import { RETRY_POLL_SECONDS } from '../queue/queues.js';
import type { NotificationLedger, PendingNotifications } from '../state/notification-ledger.js';
import type { OfferRefresh, SnapshotHead, SnapshotRepository } from '../state/snapshot-repository.js';
import type { StoreRegistry } from '../stores/store-registry.js';
import type { Clock } from '../util/clock.js';
import { settleLimit } from '../util/map-limit.js';
import type { SkuSnapshot, VtexOffer, VtexProduct, VtexSkuAndContext } from '../vtex/types.js';
import type { VtexClients } from '../vtex/vtex-clients.js';

export type MarketplaceSyncJob = Pick<SkuRefreshJob, 'skuId' | 'requestId'>;

/** A refresh request; the dispatcher's jobs carry no `refresh`: the SKU's pending notifications say what to re-read. */
export type RefreshJob = SkuRefreshJob;

/** Calls to VTEX in flight at once per batch (Catalog allows 15,000 req/min per endpoint). */
const VTEX_CONCURRENCY = 8;
/** Items per fulfillment simulation call. */
const SIMULATION_CHUNK = 50;
/**
 * Jobs per fetch, and batches handled at once by each process (stately: never two for one SKU).
 * Two batches overlap one's VTEX reads with the other's database work; bigger batches spread the
 * per-batch statements (fetch, complete, enqueue) over more SKUs.
 */
export const REFRESH_BATCH = 100;
export const REFRESH_CONCURRENCY = 2;

type Mode = 'full' | 'offer';

interface Planned {
  skuId: string;
  mode: Mode;
  requestId: string;
  pending?: PendingNotifications;
  previous?: SnapshotHead;
  /** Only these marketplaces; undefined: every enabled one. */
  marketplaces?: string[];
}

/**
 * `sku-refresh`: notifications are hints, VTEX is the truth.
 *
 * - Coalescing: a SKU is refreshed once its notifications have been quiet for `pipeline.coalesce.quietMs`
 *   (never later than `maxDelayMs` after the first): until then its job is deferred, and the queue's
 *   `stately` policy folds every notification in between into that one deferred job. A job that finds
 *   no pending notification was covered by an earlier refresh and reads nothing.
 * - Flags decide what is re-read: HasStockKeepingUnitModified, IsActive=false, removal from the
 *   affiliate (or a SKU never read) → SKU, product and simulation; StockModified/PriceModified alone →
 *   the simulation only, keeping the catalog data of the last snapshot (VTEX's Scenario 1).
 * - What to do with the SKU is decided downstream from the snapshot, not from the flags.
 */
@injectable()
export class SkuRefreshStage {
  constructor(
    @inject(TOKENS.Boss) private readonly boss: PgBoss,
    @inject(TOKENS.VtexClients) private readonly vtex: VtexClients,
    @inject(TOKENS.StoreRegistry) private readonly stores: StoreRegistry,
    @inject(TOKENS.SnapshotRepository) private readonly snapshots: SnapshotRepository,
    @inject(TOKENS.NotificationLedger) private readonly ledger: NotificationLedger,
    @inject(TOKENS.Config) private readonly config: ConnectorConfig,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Logger) private readonly log: Logger,
  ) {}

  private readonly workers = new Map<string, string>();
  private readonly wakeups = new Set<number>();

  async start(store: StoreConfig): Promise<void> {
    const id = await this.boss.work<RefreshJob>(
      QueueNames.skuRefresh(store.account),
      // Polled every RETRY_POLL_SECONDS besides NOTIFY: retries and deferred jobs wake no NOTIFY, and a
      // notification missed under load must not leave a burst's last jobs waiting pg-boss's 30 s.
      { batchSize: REFRESH_BATCH, localConcurrency: REFRESH_CONCURRENCY, perJobResults: true, burstWhenBatchFull: true, pollingIntervalSeconds: 1, notifyPollingIntervalSeconds: RETRY_POLL_SECONDS },
      (jobs) => this.handle(store, jobs),
    );
    this.workers.set(store.account, id);
  }

  /**
   * pg-boss sends no NOTIFY for a job whose start is in the future, and a notify-driven worker only
   * polls every 30 s: wake this process's worker when a deferred refresh comes due (timers grouped
   * by 250 ms; the 30 s poll still covers a process that stops meanwhile).
   */
  wakeAt(account: string, at: number): void {
    const id = this.workers.get(account);
    const bucket = Math.ceil(at / 250) * 250;
    if (!id || this.wakeups.has(bucket)) return;
    this.wakeups.add(bucket);
    setTimeout(() => {
      this.wakeups.delete(bucket);
      this.boss.notifyWorker(id);
    }, Math.max(0, bucket - this.clock.now())).unref();
  }

  async handle(store: StoreConfig, jobs: Job<RefreshJob>[]): Promise<JobResult[]> {
    const { quietMs, maxDelayMs } = this.config.pipeline.coalesce;
    const firstJob = new Map<string, Job<RefreshJob>>();
    for (const job of jobs) if (!firstJob.has(job.data.skuId) || job.data.refresh === 'full') firstJob.set(job.data.skuId, job);
    const skuIds = [...firstJob.keys()];
    const pending = await this.ledger.pending(store.account, skuIds, quietMs, maxDelayMs);

    const due: Array<{ skuId: string; job: Job<RefreshJob>; pending?: PendingNotifications }> = [];
    const deferred: Array<{ skuId: string; requestId: string; inMs: number }> = [];
    for (const [skuId, job] of firstJob) {
      const p = pending.get(skuId);
      if (p && !p.ready) deferred.push({ skuId, requestId: p.requestId, inMs: p.quietInMs });
      else if (p || job.data.refresh) due.push({ skuId, job, pending: p });
      // else: an earlier refresh already covered this SKU's notifications
    }
    const previous = due.length ? await this.snapshots.heads(store.account, due.map((d) => d.skuId)) : new Map<string, SnapshotHead>();
    const planned: Planned[] = due.map(({ skuId, job, pending: p }) => {
      const prev = previous.get(skuId);
      const offerOnly = p ? p.offer && !p.catalog && !p.withdraw : job.data.refresh === 'offer';
      return { skuId, mode: offerOnly && prev?.hasSku ? 'offer' : 'full', requestId: p?.requestId ?? job.data.requestId, pending: p, previous: prev, marketplaces: marketplacesOf(jobs, skuId) };
    });
    if (deferred.length) {
      const now = this.clock.now();
      await this.boss.insert(
        QueueNames.skuRefresh(store.account),
        deferred.map((d) => ({ data: { skuId: d.skuId, requestId: d.requestId }, singletonKey: d.skuId, startAfter: new Date(now + d.inMs + 50) })),
      );
      for (const d of deferred) this.wakeAt(store.account, now + d.inMs + 100);
    }

    const failures = planned.length ? await this.refresh(store, planned) : new Map<string, unknown>();
    return jobs.map((job) => {
      const error = failures.get(job.data.skuId);
      return error
        ? { id: job.id, status: 'failed' as const, output: { message: (error as Error)?.message ?? String(error) } }
        : { id: job.id, status: 'completed' as const };
    });
  }

  /**
   * Reads VTEX for the planned SKUs, saves their snapshots, consumes their notifications and hands
   * them on. An offer-only refresh re-reads the simulation and records just the new offer: the
   * catalog data stays the stored snapshot's (VTEX's Scenario 1).
   */
  private async refresh(store: StoreConfig, planned: Planned[]): Promise<Map<string, unknown>> {
    const client = this.vtex.for(store.account);
    const failures = new Map<string, unknown>();
    const full = planned.filter((p) => p.mode === 'full').map((p) => p.skuId);

    const skus = new Map<string, VtexSkuAndContext | null>();
    const products = new Map<number, VtexProduct | null>();
    const skuResults = await settleLimit(full, VTEX_CONCURRENCY, (id) => client.getSkuAndContext(id));
    full.forEach((id, i) => {
      const r = skuResults[i];
      if (r.ok) skus.set(id, r.value);
      else failures.set(id, r.error);
    });

    const productIds = [
      ...new Set(
        full.flatMap((id) => {
          const sku = skus.get(id);
          return sku ? [sku.ProductId] : [];
        }),
      ),
    ];
    const productResults = await settleLimit(productIds, VTEX_CONCURRENCY, (id) => client.getProduct(id));
    productIds.forEach((id, i) => {
      const r = productResults[i];
      if (r.ok) products.set(id, r.value);
    });

    // Offer-only SKUs were known at their last full read; full ones when VTEX still knows them.
    const offers = new Map<string, VtexOffer>();
    const simulate = planned.filter((p) => p.mode === 'offer' || skus.get(p.skuId)).map((p) => p.skuId);
    const chunks: string[][] = [];
    for (let i = 0; i < simulate.length; i += SIMULATION_CHUNK) chunks.push(simulate.slice(i, i + SIMULATION_CHUNK));
    const simulated = await settleLimit(chunks, VTEX_CONCURRENCY, (chunk) => client.simulate(chunk));
    chunks.forEach((chunk, i) => {
      const r = simulated[i];
      if (r.ok) for (const [id, offer] of r.value) offers.set(id, offer);
      else for (const id of chunk) failures.set(id, r.error);
    });

    const fetchedAt = new Date(this.clock.now()).toISOString();
    const snapshots: SkuSnapshot[] = [];
    const offerRefreshes: OfferRefresh[] = [];
    let done: Planned[] = [];
    for (const p of planned) {
      if (failures.has(p.skuId)) continue;
      const refresh = {
        mode: p.mode,
        catalogFetchedAt: p.mode === 'full' ? fetchedAt : p.previous!.catalogFetchedAt,
        notifications: p.pending?.count ?? 0,
        catalog: p.pending?.catalog ?? false,
        offer: p.pending?.offer ?? false,
        withdraw: p.pending?.withdraw ?? false,
      };
      if (p.mode === 'offer') {
        offerRefreshes.push({ store: store.account, skuId: p.skuId, fetchedAt, offer: offers.get(p.skuId) ?? null, salesChannel: store.vtex.salesChannel, refresh });
        done.push(p);
        continue;
      }
      const sku = skus.get(p.skuId) ?? null;
      if (sku && !products.has(sku.ProductId)) {
        failures.set(p.skuId, new Error(`product ${sku.ProductId} could not be read`));
        continue;
      }
      const product = sku ? (products.get(sku.ProductId) ?? null) : null;
      snapshots.push({
        store: store.account,
        skuId: p.skuId,
        fetchedAt,
        sku,
        product,
        offer: offers.get(p.skuId) ?? null,
        salesChannel: store.vtex.salesChannel,
        categoryId: deepestCategory(sku, product),
        refresh,
      });
      done.push(p);
    }
    await this.snapshots.saveMany(snapshots);
    const missing = new Set(await this.snapshots.saveOffers(offerRefreshes));
    if (missing.size) {
      // The snapshot went away since the refresh was planned: the retry reads everything.
      for (const id of missing) failures.set(id, new Error(`SKU ${id} has no stored snapshot to refresh the offer of`));
      done = done.filter((p) => !missing.has(p.skuId));
    }
    // Only now are the notifications covered: a failure above leaves them pending for the retry.
    await this.ledger.consume(done.flatMap((p) => p.pending?.ids ?? []));

    for (const integration of this.stores.enabledIntegrations(store.account)) {
      // A SKU goes to every marketplace its jobs ask for (a notification's job: all of them).
      const next = done
        .filter((p) => !p.marketplaces || p.marketplaces.includes(integration.marketplace))
        .map((p) => ({ data: { skuId: p.skuId, requestId: p.requestId } satisfies MarketplaceSyncJob, singletonKey: p.skuId }));
      if (next.length) await this.boss.insert(QueueNames.marketplaceSync(store.account, integration.marketplace), next);
    }

    if (failures.size) {
      this.log.warn({ store: store.account, failed: failures.size, first: String((failures.values().next().value as Error)?.message) }, 'VTEX reads failed; those SKUs will be retried');
    }
    return failures;
  }
}

/** The marketplaces the SKU's jobs ask for together; undefined when one of them (a notification) asks for all. */
function marketplacesOf(jobs: Job<RefreshJob>[], skuId: string): string[] | undefined {
  const wanted = new Set<string>();
  for (const { data } of jobs) {
    if (data.skuId !== skuId) continue;
    if (!data.marketplaces) return undefined;
    for (const m of data.marketplaces) wanted.add(m);
  }
  return [...wanted];
}

/** "/1/2/" → "2"; falls back to the product's CategoryId. */
export function deepestCategory(sku: VtexSkuAndContext | null, product: VtexProduct | null): string | null {
  const path = sku?.ProductCategoryIds?.split('/').filter(Boolean) ?? [];
  if (path.length) return path[path.length - 1];
  return product?.CategoryId ? String(product.CategoryId) : null;
}
