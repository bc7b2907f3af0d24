import { Buffer } from 'node:buffer';
import type { JobResult, JobWithMetadata, PgBoss } from 'pg-boss';
import { inject, injectable } from 'tsyringe';
import type { ConnectorConfig, IntegrationConfig, StoreConfig } from '../../config/types.js';
import type { Database } from '../../database/database.js';
import { TOKENS } from '../../di/tokens.js';
import { Errors } from '../../errors/errors.js';
import type { Logger } from '../../logging/logger.js';
import type { DeliveryJob } from '../../pipeline/marketplace-sync.js';
import type { FeedItemResult } from '../../plugin-api/index.js';
import { withdrawalHash } from '../../pipeline/marketplace-sync.js';
import { settleLimit } from '../../util/map-limit.js';
import { QueueNames } from '../../queue/queue-names.js';
import { RETRY_POLL_SECONDS } from '../../queue/queues.js';
import type { StateRepository, StateUpdate } from '../../state/state-repository.js';
import type { Clock } from '../../util/clock.js';
import type { IntegrationWorkers } from '../delivery-workers.js';
import type { ProbeResult } from '../gate.js';
import type { IntegrationLimitsService } from '../integration-limits.js';
import { classify, type MarketplaceCaller } from '../marketplace-caller.js';
import type { LotItemRow, LotOperation, LotRepository, LotRow, NewLotItem } from './lot-repository.js';

/** What the lot stage uses of the lot repository. */
export type LotStore = Pick<LotRepository, 'add' | 'claimForSubmit' | 'release' | 'items' | 'submitted' | 'get' | 'polled' | 'noteError' | 'finish' | 'oldestSubmitted' | 'unsent'>;

export interface LotJob {
  lotId: number;
}

/**
 * A status poll comes this fraction of the lot's time in flight after the previous one (at least
 * `feedPollSeconds`, at most `feedMaxPollSeconds` apart): a lot is seen done at most 5 % late, however long
 * the marketplace takes, for a number of polls that grows only with the logarithm of that time. (A doubling
 * wait could see a lot done almost twice as late as it was.)
 */
export const POLL_FRACTION = 0.05;

/**
 * Delivery for feed (batch) marketplaces, VTEX's rule for them: group items into lots the
 * marketplace accepts (manifest `batch`: maxItems, maxBytes, maxWaitMs), control each lot until the
 * marketplace has processed it, and never send a SKU's offer (price/stock) before its product is
 * confirmed on the marketplace — the offer waits for the product lot's result, then goes.
 *
 * Three steps, each a pg-boss queue: `delivery` jobs are assembled into lots (database only);
 * `lot-submit` sends a sealed lot through the plugin's `submitFeed`; `feed-status` polls `checkFeed`
 * with a growing wait until the lot is done, then applies each item's outcome to the SKU's state.
 */
// Dependencies are typed by what the stage uses of them, so the test host (core/src/testing) can run
// this very stage on in-memory storage (the database is only read by the breaker's probe).
@injectable()
export class LotStage {
  constructor(
    @inject(TOKENS.Boss) private readonly boss: Pick<PgBoss, 'insert'>,
    @inject(TOKENS.Database) private readonly db: Pick<Database, 'query'>,
    @inject(TOKENS.Lots) private readonly lots: LotStore,
    @inject(TOKENS.StateRepository) private readonly state: Pick<StateRepository, 'load' | 'apply' | 'saveIdMappings'>,
    @inject(TOKENS.MarketplaceCaller) private readonly caller: Pick<MarketplaceCaller, 'call'>,
    @inject(TOKENS.IntegrationLimits) private readonly limits: Pick<IntegrationLimitsService, 'get'>,
    @inject(TOKENS.Config) private readonly config: ConnectorConfig,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Logger) private readonly log: Logger,
  ) {}

  /** The integration's workers: lot assembly always (database only); submit and poll while the gate is open. */
  workers(store: StoreConfig, integration: IntegrationConfig): IntegrationWorkers {
    const { account } = store;
    const { marketplace } = integration;
    const { limits } = this.limits.get(account, marketplace);
    const common = { includeMetadata: true, perJobResults: true, pollingIntervalSeconds: 1, notifyPollingIntervalSeconds: RETRY_POLL_SECONDS } as const;
    return {
      gated: [
        { queue: QueueNames.lotSubmit(account, marketplace), options: { ...common, batchSize: 2 }, handler: (jobs) => this.submit(store, integration, jobs as JobWithMetadata<LotJob>[]) },
        { queue: QueueNames.feedStatus(account, marketplace), options: { ...common, batchSize: 10 }, handler: (jobs) => this.poll(store, integration, jobs as JobWithMetadata<LotJob>[]) },
      ],
      always: [
        {
          queue: QueueNames.delivery(account, marketplace),
          options: { ...common, batchSize: limits.batch.maxItems, burstWhenBatchFull: true },
          handler: (jobs) => this.assemble(store, integration, jobs as JobWithMetadata<DeliveryJob>[]),
        },
      ],
      probe: () => this.probe(store, integration),
    };
  }

  /** `delivery` jobs of a feed marketplace: each SKU's desired payload joins the open lot of its operation. */
  async assemble(store: StoreConfig, integration: IntegrationConfig, jobs: JobWithMetadata<DeliveryJob>[]): Promise<JobResult[]> {
    const { marketplace } = integration;
    const { limits, capabilities } = this.limits.get(store.account, marketplace);
    const skuIds = [...new Set(jobs.map((j) => j.data.skuId))];
    const states = await this.state.load(store.account, marketplace, skuIds);
    const byOperation = new Map<LotOperation, NewLotItem[]>();
    const tooLarge: StateUpdate[] = [];
    for (const skuId of skuIds) {
      const row = states.get(skuId);
      if (!row?.desired_hash || row.desired_hash === row.delivered_hash) continue;
      if (row.desired_operation === 'deactivate' || row.desired_operation === 'delete') {
        // A withdrawal: only for an item the marketplace has; it rides with the offers.
        if (!row.marketplace_id || row.desired_hash !== withdrawalHash(row.desired_operation)) continue;
        const operation: LotOperation = capabilities.needsProductBeforeOffer ? 'offer' : 'upsert';
        let list = byOperation.get(operation);
        if (!list) byOperation.set(operation, (list = []));
        list.push({ skuId, payload: {}, hash: row.desired_hash, bytes: 2, withdraw: true });
        continue;
      }
      if (!row.desired_payload) continue;
      const operation: LotOperation = capabilities.needsProductBeforeOffer ? (row.marketplace_id ? 'offer' : 'product') : 'upsert';
      // (A SKU whose product or same kind of message is in flight waits: LotRepository.add decides, under the lot's lock.)
      const bytes = Buffer.byteLength(JSON.stringify(row.desired_payload));
      if (bytes > limits.batch.maxBytes) {
        const message = `The item's data (${bytes} bytes) is larger than a whole ${marketplace} lot may be (${limits.batch.maxBytes} bytes): shorten its description or images.`;
        tooLarge.push({ store: store.account, marketplace, skuId, status: 'failed', fixes: [{ field: marketplace, rule: 'maxBytes', message }] });
        continue;
      }
      let list = byOperation.get(operation);
      if (!list) byOperation.set(operation, (list = []));
      list.push({ skuId, payload: row.desired_payload, hash: row.desired_hash, bytes });
    }
    await this.state.apply(tooLarge);
    for (const [operation, items] of byOperation) {
      const { opened, sealed, grown } = await this.lots.add(store.account, marketplace, operation, items, limits.batch);
      const queue = QueueNames.lotSubmit(store.account, marketplace);
      // A full lot is sent at once; an open one maxWaitMs after it opened at the latest, or once no item
      // has joined it for quietMs (the items have stopped coming: waiting longer only delays them).
      const now = this.clock.now();
      const latest = new Date(now + limits.batch.maxWaitMs);
      const quiet = new Date(now + limits.batch.quietMs);
      const jobsToSend = [
        ...opened.filter((id) => !sealed.includes(id)).map((lotId) => ({ data: { lotId }, startAfter: latest })),
        ...(limits.batch.quietMs < limits.batch.maxWaitMs ? grown.filter((id) => !sealed.includes(id)).map((lotId) => ({ data: { lotId }, startAfter: quiet })) : []),
        ...sealed.map((lotId) => ({ data: { lotId } })),
      ];
      if (jobsToSend.length) await this.boss.insert(queue, jobsToSend);
    }
    return jobs.map((job) => ({ id: job.id, status: 'completed' as const }));
  }

  /**
   * `lot-submit`: sends a lot through the plugin's `submitFeed` (its `submitFeed.<operation>` budget), then
   * schedules the first status poll. A lot smaller than the manifest's `capabilities.perItemBelow` goes
   * through the item handlers instead, and its outcome is applied at once.
   */
  async submit(store: StoreConfig, integration: IntegrationConfig, jobs: JobWithMetadata<LotJob>[]): Promise<JobResult[]> {
    const { marketplace } = integration;
    // Lots are independent: one waiting for its slot (a product import) must not hold back another (an offer lot).
    return Promise.all(jobs.map((job) => this.submitOne(store, integration, job)));
  }

  private async submitOne(store: StoreConfig, integration: IntegrationConfig, job: JobWithMetadata<LotJob>): Promise<JobResult> {
    const { marketplace } = integration;
    const { limits, capabilities } = this.limits.get(store.account, marketplace);
    const lot = await this.lots.claimForSubmit(job.data.lotId, limits.batch, job.id);
    if (!lot) return { id: job.id, status: 'completed' };
    const lotId = Number(lot.id);
    const items = await this.lots.items(lotId);
    if (!items.length) {
      await this.lots.finish(lotId, 'done', []);
      return { id: job.id, status: 'completed' };
    }
    try {
      if (capabilities.perItemBelow && items.length < capabilities.perItemBelow) {
        await this.submitItems(store, integration, lot, items);
        return { id: job.id, status: 'completed' };
      }
      const { feedRef } = await this.caller.call(
        store,
        marketplace,
        `submitFeed.${lot.operation}`,
        async (h) => {
          if (!h.submitFeed || !h.checkFeed) throw Errors.pluginCapabilityMissing(marketplace, h.submitFeed ? 'checkFeed' : 'submitFeed', 'a feed marketplace (capabilities.mode "feed") needs');
          return h.submitFeed({
            id: String(lotId),
            operation: lot.operation,
            items: items.map((i) => ({ skuId: i.sku_id, payload: i.payload, ...(i.marketplace_id && { marketplaceId: i.marketplace_id }), ...(i.withdraw && { withdraw: true as const }) })),
          });
        },
        // A lot whose slot is further away is not held by its worker (Mirakl's product imports come every
        // 15 minutes): it is given back — open again when not full, so it keeps filling — until the slot.
        { maxWaitMs: this.config.delivery.feedSlotWaitSeconds * 1000 },
      );
      await this.lots.submitted(lotId, feedRef);
      await this.boss.insert(QueueNames.feedStatus(store.account, marketplace), [{ data: { lotId }, startAfter: new Date(this.clock.now() + this.config.delivery.feedPollSeconds * 1000) }]);
      this.log.info({ store: store.account, marketplace, lotId, operation: lot.operation, items: items.length, feedRef }, 'lot submitted');
      return { id: job.id, status: 'completed' };
    } catch (error) {
      return this.onError(store, marketplace, job, lotId, error, 'lot-submit');
    }
  }

  /**
   * A small lot through the item handlers, each call on its own budget (`publish`, `update`, `deactivate`,
   * `delete`): refusals are the items' outcomes; an item whose call failed otherwise (5xx, timeout, 429s
   * that did not clear) has no outcome and is sent again after the retry delay.
   */
  private async submitItems(store: StoreConfig, integration: IntegrationConfig, lot: LotRow, items: LotItemRow[]) {
    const { marketplace } = integration;
    const { limits, capabilities } = this.limits.get(store.account, marketplace);
    const lotId = Number(lot.id);
    const settled = await settleLimit(items, limits.concurrency, async (i): Promise<FeedItemResult> => {
      const ref = { skuId: i.sku_id, marketplaceId: i.marketplace_id ?? '' };
      if (i.withdraw) {
        const op = capabilities.canDeactivate ? 'deactivate' : 'delete';
        await this.caller.call(store, marketplace, op, async (h) => {
          const handler = h[op];
          if (!handler) throw Errors.pluginCapabilityMissing(marketplace, op, `taking items off sale (capabilities.canDeactivate ${capabilities.canDeactivate}) needs`);
          return handler(ref);
        });
        return { skuId: i.sku_id, ok: true, marketplaceId: i.marketplace_id ?? undefined };
      }
      if (i.marketplace_id) {
        await this.caller.call(store, marketplace, 'update', (h) => h.update({ ...ref, payload: i.payload }));
        return { skuId: i.sku_id, ok: true, marketplaceId: i.marketplace_id };
      }
      const created = await this.caller.call(store, marketplace, 'publish', (h) => h.publish({ skuId: i.sku_id, payload: i.payload }));
      return { skuId: i.sku_id, ok: true, marketplaceId: created.marketplaceId };
    });
    const outcomes: FeedItemResult[] = [];
    let failure: unknown;
    settled.forEach((r, k) => {
      if (r.ok) return outcomes.push(r.value);
      const { kind, error } = classify(r.error, marketplace);
      if (kind === 'rejected') outcomes.push({ skuId: items[k]!.sku_id, ok: false, message: error.message });
      else failure ??= error;
    });
    await this.lots.submitted(lotId, `items:${items.length}`);
    await this.apply(store, integration, lotId, lot.operation, outcomes, failure === undefined ? 0 : this.config.delivery.retry.delaySeconds * 1000);
    if (failure) this.log.warn({ store: store.account, marketplace, lotId, error: (failure as Error).message }, 'some items of a small lot were not delivered: they go again');
    else this.log.info({ store: store.account, marketplace, lotId, operation: lot.operation, items: items.length }, 'lot delivered item by item');
  }

  /** `feed-status`: asks whether the lot is processed; not yet → asks again later (5 % of its time in flight); done → applies each item's outcome. */
  async poll(store: StoreConfig, integration: IntegrationConfig, jobs: JobWithMetadata<LotJob>[]): Promise<JobResult[]> {
    // Lots are independent: many small lots in flight are polled side by side, not one after the other.
    return Promise.all(jobs.map((job) => this.pollOne(store, integration, job)));
  }

  private async pollOne(store: StoreConfig, integration: IntegrationConfig, job: JobWithMetadata<LotJob>): Promise<JobResult> {
    const { marketplace } = integration;
    const lot = await this.lots.get(job.data.lotId);
    if (lot?.status === 'done') {
      // A retry of a poll that failed after applying the lot: its SKUs must still be sent on.
      await this.requeueDelivery(store.account, marketplace, await this.unsent(store.account, marketplace, Number(lot.id)));
      return { id: job.id, status: 'completed' };
    }
    if (!lot || lot.status !== 'submitted' || !lot.feed_ref) {
      return { id: job.id, status: 'completed' };
    }
    const lotId = Number(lot.id);
    try {
      const items = await this.lots.items(lotId);
      const status = await this.caller.call(store, marketplace, 'checkFeed', async (h) => {
        if (!h.checkFeed) throw Errors.pluginCapabilityMissing(marketplace, 'checkFeed', 'a feed marketplace (capabilities.mode "feed") needs');
        return h.checkFeed(lot.feed_ref!, { id: String(lotId), operation: lot.operation, skuIds: items.map((i) => i.sku_id) });
      });
      if (status.done) {
        await this.apply(store, integration, lotId, lot.operation, status.results);
      } else {
        const submittedAt = Date.parse(String(lot.submitted_at));
        if (this.clock.now() - submittedAt > this.config.delivery.feedTimeoutHours * 3600_000) {
          await this.giveUp(store, integration, lotId, `not processed within ${this.config.delivery.feedTimeoutHours} h (last status: ${status.status ?? 'unknown'})`);
        } else {
          await this.lots.polled(lotId);
          const { feedPollSeconds, feedMaxPollSeconds } = this.config.delivery;
          const waitSeconds = Math.min(feedMaxPollSeconds, Math.max(feedPollSeconds, (POLL_FRACTION * (this.clock.now() - submittedAt)) / 1000));
          await this.boss.insert(QueueNames.feedStatus(store.account, marketplace), [{ data: { lotId }, startAfter: new Date(this.clock.now() + waitSeconds * 1000) }]);
        }
      }
      return { id: job.id, status: 'completed' };
    } catch (error) {
      return this.onError(store, marketplace, job, lotId, error, 'feed-status');
    }
  }

  private async onError(store: StoreConfig, marketplace: string, job: JobWithMetadata<LotJob>, lotId: number, error: unknown, step: 'lot-submit' | 'feed-status'): Promise<JobResult> {
    const { kind, error: e } = classify(error, marketplace);
    const output = { ok: false, code: e.code, message: e.message };
    if (kind === 'deferred' || kind === 'auth') {
      // Waits (breaker open, integration paused, 429s, no budget slot yet): back in the queue, no retry
      // spent. Waiting for its budget's slot, nothing of the lot went out: it may take more items meanwhile.
      const forBudget = kind === 'deferred' && (e.details as { budget?: string }).budget !== undefined;
      if (step === 'lot-submit') await this.lots.release(lotId, forBudget ? this.limits.get(store.account, marketplace).limits.batch : undefined);
      const retryAt = kind === 'deferred' ? (e.details as { retryAt: number }).retryAt : this.clock.now() + 1000;
      const queue = step === 'lot-submit' ? QueueNames.lotSubmit(store.account, marketplace) : QueueNames.feedStatus(store.account, marketplace);
      await this.boss.insert(queue, [{ data: job.data, startAfter: new Date(retryAt), retryLimit: Math.max(0, job.retryLimit - job.retryCount) }]);
      return { id: job.id, status: 'completed', output: { deferred: output } };
    }
    if (kind === 'rejected' && step === 'lot-submit') {
      // The marketplace refused the lot as a whole: every item fails with its message.
      const items = await this.lots.items(lotId);
      await this.lots.finish(lotId, 'failed', items.map((i) => ({ skuId: i.sku_id, outcome: 'rejected' as const, message: e.message })), e.message);
      await this.state.apply(
        items.map((i) => ({ store: store.account, marketplace, skuId: i.sku_id, status: 'failed' as const, attempted: true, lastResponse: output, fixes: [{ field: marketplace, rule: 'marketplace-validation', message: e.message }] })),
      );
      return { id: job.id, status: 'completed', output };
    }
    await this.lots.noteError(lotId, e.message);
    // Out of retries: the job goes to the dead-letter queue; its replay (a new job) must be able to take the lot.
    if (step === 'lot-submit' && job.retryCount >= job.retryLimit) await this.lots.release(lotId);
    this.log.warn({ store: store.account, marketplace, lotId, step, code: e.code, attempt: job.retryCount + 1 }, e.message);
    return { id: job.id, status: 'failed', output };
  }

  /** Applies a processed lot: confirmed products get their id (and their offer is queued), offers mark the SKU synced, refusals show the seller why. */
  private async apply(store: StoreConfig, integration: IntegrationConfig, lotId: number, operation: LotOperation, results: FeedItemResult[], missingDelayMs = 0) {
    const { marketplace } = integration;
    const { capabilities } = this.limits.get(store.account, marketplace);
    const items = await this.lots.items(lotId);
    const bySku = new Map(results.map((r) => [String(r.skuId), r]));
    const states = await this.state.load(store.account, marketplace, items.map((i) => i.sku_id));
    const outcomes: Parameters<LotRepository['finish']>[2] = [];
    const updates: StateUpdate[] = [];
    const mappings: Array<{ skuId: string; marketplaceId: string }> = [];
    const again: string[] = [];
    const later: string[] = [];
    for (const item of items) {
      const result = bySku.get(item.sku_id);
      const current = states.get(item.sku_id);
      const stillWanted = current?.desired_hash === item.payload_hash;
      const base = { store: store.account, marketplace, skuId: item.sku_id, attempted: true, lastRequest: { operation, lot: lotId, payload: item.payload } };
      if (!result) {
        outcomes.push({ skuId: item.sku_id, outcome: 'missing', message: 'the marketplace gave no result for this item' });
        (missingDelayMs ? later : again).push(item.sku_id);
        continue;
      }
      const lastResponse = { ok: result.ok, lot: lotId, marketplaceId: result.marketplaceId ?? null, message: result.message ?? null };
      if (!result.ok) {
        const message = result.message || `${marketplace} refused the item`;
        outcomes.push({ skuId: item.sku_id, outcome: 'rejected', message });
        if (stillWanted) updates.push({ ...base, status: 'failed', lastResponse, fixes: [{ field: marketplace, rule: 'marketplace-validation', message }] });
        else again.push(item.sku_id);
        continue;
      }
      outcomes.push({ skuId: item.sku_id, outcome: 'accepted', marketplaceId: result.marketplaceId });
      if (item.withdraw) {
        // Off sale (blocked), or gone with its id mapping where the marketplace cannot block items.
        const removed = !capabilities.canDeactivate;
        updates.push({ ...base, status: stillWanted ? 'blocked' : 'pending', deliveredHash: item.payload_hash, lastResponse, ...(removed && { removeMapping: true }) });
        if (!stillWanted) again.push(item.sku_id);
        continue;
      }
      const marketplaceId = result.marketplaceId ?? current?.marketplace_id ?? (operation === 'product' ? item.sku_id : undefined);
      if (marketplaceId && marketplaceId !== current?.marketplace_id) mappings.push({ skuId: item.sku_id, marketplaceId });
      if (operation === 'product') {
        // Confirmed on the marketplace: now (and only now) its offer may go.
        updates.push({ ...base, status: 'pending', marketplaceId, lastResponse });
        again.push(item.sku_id);
      } else {
        updates.push({ ...base, status: stillWanted ? 'synced' : 'pending', deliveredHash: item.payload_hash, marketplaceId, lastResponse });
        if (!stillWanted) again.push(item.sku_id);
      }
    }
    // Mappings first: the offer job reads them to know the product is confirmed.
    await this.state.saveIdMappings(store.account, marketplace, mappings);
    await this.state.apply(updates);
    await this.lots.finish(lotId, 'done', outcomes);
    const unsent = await this.unsent(store.account, marketplace, lotId);
    await this.requeueDelivery(store.account, marketplace, [...new Set([...again, ...unsent.filter((s) => !later.includes(s))])]);
    await this.requeueDelivery(store.account, marketplace, later, missingDelayMs);
    const accepted = outcomes.filter((o) => o.outcome === 'accepted').length;
    this.log.info({ store: store.account, marketplace, lotId, operation, accepted, refused: outcomes.length - accepted }, 'lot processed');
  }

  /** The marketplace never finished the lot: it is failed and its items go again in a new lot. */
  private async giveUp(store: StoreConfig, integration: IntegrationConfig, lotId: number, reason: string) {
    const items = await this.lots.items(lotId);
    const error = Errors.feedFailed(integration.marketplace, String(lotId), reason);
    await this.lots.finish(lotId, 'failed', items.map((i) => ({ skuId: i.sku_id, outcome: 'missing' as const, message: error.message })), error.message);
    this.log.error({ store: store.account, marketplace: integration.marketplace, lotId }, error.message);
    await this.requeueDelivery(store.account, integration.marketplace, items.map((i) => i.sku_id));
  }

  /**
   * The SKUs of a done lot that still have something to send, read once the lot is done: `stillWanted` in
   * `apply` was judged on states read before, while a newer payload written meanwhile found the lot in
   * flight and waited for its outcome.
   */
  private unsent(store: string, marketplace: string, lotId: number): Promise<string[]> {
    return this.lots.unsent(store, marketplace, lotId);
  }

  private async requeueDelivery(store: string, marketplace: string, skuIds: string[], delayMs = 0) {
    if (!skuIds.length) return;
    const rows = [...(await this.state.load(store, marketplace, skuIds)).values()];
    const startAfter = delayMs ? { startAfter: new Date(this.clock.now() + delayMs) } : {};
    await this.boss.insert(
      QueueNames.delivery(store, marketplace),
      rows.map((r) => ({ data: { skuId: r.sku_id, requestId: r.request_id ?? 'lot' }, singletonKey: r.sku_id, ...startAfter })),
    );
  }

  /** A cheap authenticated call for the breaker and credentials probes: read one item back, else ask about a submitted lot. */
  async probe(store: StoreConfig, integration: IntegrationConfig): Promise<ProbeResult> {
    const { marketplace } = integration;
    const [known] = await this.db.query<{ sku_id: string; marketplace_id: string }>('select sku_id, marketplace_id from id_mappings where store = $1 and marketplace = $2 limit 1', [
      store.account,
      marketplace,
    ]);
    const lot = known ? undefined : await this.lots.oldestSubmitted(store.account, marketplace);
    if (!known && !lot) return 'nothing';
    try {
      await this.caller.call(
        store,
        marketplace,
        known ? 'fetchRemoteState' : 'checkFeed',
        async (h) => {
          if (known && h.fetchRemoteState) await h.fetchRemoteState([{ skuId: known.sku_id, marketplaceId: known.marketplace_id }]);
          else if (lot?.feed_ref && h.checkFeed) await h.checkFeed(lot.feed_ref);
        },
        { probe: true },
      );
      return 'ok';
    } catch (error) {
      const { kind } = classify(error, marketplace);
      return kind === 'auth' ? 'auth' : kind === 'technical' ? 'technical' : 'ok';
    }
  }
}
