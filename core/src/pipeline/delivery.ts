import type { Job, JobResult, PgBoss } from 'pg-boss';
import { inject, injectable } from 'tsyringe';
import type { IntegrationConfig, StoreConfig } from '../config/types.js';
import { TOKENS } from '../di/tokens.js';
import { Errors, isConnectorError } from '../errors/errors.js';
import type { Logger } from '../logging/logger.js';
import type { RemoteHandlers } from '../plugin-api/index.js';
import type { PluginHost } from '../plugins/plugin-host.js';
import { DELIVERY_RETRY } from '../queue/queues.js';
import { QueueNames } from '../queue/queue-names.js';
import type { SkuStateRow, StateRepository, StateUpdate } from '../state/state-repository.js';
import type { Clock } from '../util/clock.js';
import { mapLimit } from '../util/map-limit.js';
import type { DeliveryJob } from './marketplace-sync.js';

/** A 429 is waited out (Retry-After), not counted as a failure; past this many in a row the job retries later. */
const MAX_RATE_LIMIT_WAITS = 30;

/**
 * `delivery`, per store × marketplace: sends each SKU's desired payload through the plugin — create
 * when the SKU has no id mapping yet, update otherwise — and records the outcome and both ids.
 * 5xx/timeouts fail the job so pg-boss retries it with backoff (10 times, then the dead letter);
 * a rejection (4xx) is final: the seller sees the marketplace's message.
 */
@injectable()
export class DeliveryStage {
  constructor(
    @inject(TOKENS.Boss) private readonly boss: PgBoss,
    @inject(TOKENS.PluginHost) private readonly plugins: PluginHost,
    @inject(TOKENS.StateRepository) private readonly state: StateRepository,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Logger) private readonly log: Logger,
  ) {}

  async start(store: StoreConfig, integration: IntegrationConfig): Promise<void> {
    const limits = this.plugins.manifest(integration.marketplace).contributes.marketplace.limits;
    await this.boss.work<DeliveryJob>(
      QueueNames.delivery(store.account, integration.marketplace),
      { batchSize: limits?.batch?.maxItems ?? 25, perJobResults: true, burstWhenBatchFull: true, pollingIntervalSeconds: 1 },
      (jobs) => this.handle(store, integration, jobs, limits?.concurrency ?? 4),
    );
  }

  async handle(store: StoreConfig, integration: IntegrationConfig, jobs: Job<DeliveryJob>[], concurrency = 4): Promise<JobResult[]> {
    const { marketplace } = integration;
    const handlers = await this.plugins.handlers(store, marketplace);
    const states = await this.state.load(store.account, marketplace, jobs.map((j) => j.data.skuId));
    const updates: StateUpdate[] = [];
    const mappings: Array<{ skuId: string; marketplaceId: string }> = [];

    const results = await mapLimit(jobs, concurrency, async (job): Promise<JobResult> => {
      const row = states.get(job.data.skuId);
      // Nothing desired, or already delivered (a duplicate job, or a retry after success).
      if (!row?.desired_payload || !row.desired_hash || row.desired_hash === row.delivered_hash) return { id: job.id, status: 'completed' };
      const base = { store: store.account, marketplace, skuId: job.data.skuId, requestId: job.data.requestId, attempted: true };
      const operation = row.marketplace_id ? 'update' : 'publish';
      const lastRequest = { operation, at: new Date(this.clock.now()).toISOString(), payload: row.desired_payload };
      try {
        const response = await this.withRateLimitWaits(() => this.send(handlers, row, job.data.skuId));
        updates.push({ ...base, status: 'synced', deliveredHash: row.desired_hash, marketplaceId: response.marketplaceId, lastRequest, lastResponse: { ok: true, body: response.response ?? null } });
        if (response.marketplaceId !== row.marketplace_id) mappings.push({ skuId: job.data.skuId, marketplaceId: response.marketplaceId });
        return { id: job.id, status: 'completed' };
      } catch (error) {
        const e = isConnectorError(error) ? error : Errors.marketplaceUnavailable(marketplace, (error as Error)?.message ?? String(error));
        const lastResponse = { ok: false, code: e.code, message: e.message, details: e.details ?? null };
        // Final: retrying cannot help (the marketplace refused the data, or the plugin broke its own manifest).
        if (e.code === Errors.marketplaceRejected.code || e.code === Errors.pluginHostNotAllowed.code) {
          updates.push({ ...base, status: 'failed', lastRequest, lastResponse, fixes: [{ field: marketplace, rule: 'marketplace-validation', message: e.message }] });
          return { id: job.id, status: 'completed', output: lastResponse };
        }
        const last = job.retryCount >= DELIVERY_RETRY.retryLimit;
        updates.push({ ...base, status: last ? 'dead' : 'pending', lastRequest, lastResponse });
        this.log.warn({ store: store.account, marketplace, skuId: job.data.skuId, code: e.code, attempt: job.retryCount + 1 }, e.message);
        return { id: job.id, status: 'failed', output: lastResponse };
      }
    });
    // Mappings first: a crash between the two leaves the id known, so no second create.
    await this.state.saveIdMappings(store.account, marketplace, mappings);
    await this.state.apply(updates);
    return results;
  }

  private async send(handlers: RemoteHandlers, row: SkuStateRow, skuId: string) {
    const payload = row.desired_payload!;
    if (row.marketplace_id) {
      const { response } = await handlers.update({ skuId, marketplaceId: row.marketplace_id, payload });
      return { marketplaceId: row.marketplace_id, response };
    }
    return handlers.publish({ skuId, payload });
  }

  private async withRateLimitWaits<T>(call: () => Promise<T>): Promise<T> {
    for (let waits = 0; ; waits++) {
      try {
        return await call();
      } catch (error) {
        if (!isConnectorError(error, Errors.marketplaceRateLimited) || waits >= MAX_RATE_LIMIT_WAITS) throw error;
        const { retryAfterMs } = error.details as { retryAfterMs: number };
        await this.clock.sleep(Math.max(50, retryAfterMs));
      }
    }
  }
}
