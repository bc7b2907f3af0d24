import type { JobResult, JobWithMetadata, PgBoss } from 'pg-boss';
import { inject, injectable } from 'tsyringe';
import type { IntegrationConfig, StoreConfig } from '../config/types.js';
import type { Database } from '../database/database.js';
import type { IntegrationWorkers } from '../delivery/delivery-workers.js';
import type { ProbeResult } from '../delivery/gate.js';
import type { IntegrationLimitsService } from '../delivery/integration-limits.js';
import { classify, type MarketplaceCaller } from '../delivery/marketplace-caller.js';
import type { PublishIntents } from '../delivery/publish-intents.js';
import { TOKENS } from '../di/tokens.js';
import { Errors } from '../errors/errors.js';
import type { Logger } from '../logging/logger.js';
import { QueueNames } from '../queue/queue-names.js';
import { RETRY_POLL_SECONDS } from '../queue/queues.js';
import { planDelivery, type DeliveryPlan } from '../state/desired-operation.js';
import type { SkuStateRow, StateRepository } from '../state/state-repository.js';
import type { Clock } from '../util/clock.js';
import { mapLimit } from '../util/map-limit.js';
import type { DeliveryJob } from './marketplace-sync.js';

export type DeliveryOutcome =
  | { kind: 'nothing' }
  | { kind: 'done' }
  | { kind: 'rejected'; output: unknown }
  | { kind: 'failed'; output: unknown }
  | { kind: 'deferred'; retryAt: number; output: unknown };

/**
 * `delivery`, per store × marketplace (item marketplaces): sends what each SKU's state row calls for
 * through the plugin (see planDelivery) — create when the SKU has no id mapping yet, update
 * otherwise, deactivate or delete a withdrawn one — and records the outcome and both ids. Every call goes through the MarketplaceCaller (gate, global budget, 429s, auth).
 * 5xx/timeouts fail the job so pg-boss retries it with backoff, then dead-letters it; a rejection
 * (4xx) is final: the seller sees the marketplace's message. Work that must wait (breaker open,
 * integration paused) is put back in the queue without spending a retry.
 */
// Dependencies are typed by what the stage uses of them, so the test host (core/src/testing) can run
// this very stage on in-memory storage (the database is only read by the breaker's probe).
@injectable()
export class DeliveryStage {
  constructor(
    @inject(TOKENS.Boss) private readonly boss: Pick<PgBoss, 'insert'>,
    @inject(TOKENS.Database) private readonly db: Pick<Database, 'query'>,
    @inject(TOKENS.StateRepository) private readonly state: Pick<StateRepository, 'load' | 'apply'>,
    @inject(TOKENS.MarketplaceCaller) private readonly caller: Pick<MarketplaceCaller, 'call'>,
    @inject(TOKENS.PublishIntents) private readonly intents: Pick<PublishIntents, 'pending' | 'begin' | 'complete' | 'clear'>,
    @inject(TOKENS.IntegrationLimits) private readonly limits: Pick<IntegrationLimitsService, 'get'>,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Logger) private readonly log: Logger,
  ) {}

  /** The integration's workers: the delivery queue, run while its gate is open. */
  workers(store: StoreConfig, integration: IntegrationConfig): IntegrationWorkers {
    const { limits, buckets } = this.limits.get(store.account, integration.marketplace);
    // About ten seconds of budget per fetch, so jobs are not held long waiting for their turn.
    const rate = Math.min(...Object.values(buckets).map((b) => b.rate), Infinity);
    const batchSize = Math.max(1, Math.min(limits.batch.maxItems, Number.isFinite(rate) ? Math.ceil(rate * 10) : limits.batch.maxItems));
    return {
      gated: [
        {
          queue: QueueNames.delivery(store.account, integration.marketplace),
          options: { batchSize, includeMetadata: true, perJobResults: true, burstWhenBatchFull: true, pollingIntervalSeconds: 1, notifyPollingIntervalSeconds: RETRY_POLL_SECONDS },
          handler: (jobs) => this.handle(store, integration, jobs as JobWithMetadata<DeliveryJob>[]),
        },
      ],
      always: [],
      probe: (purpose) => this.probe(store, integration, purpose),
    };
  }

  async handle(store: StoreConfig, integration: IntegrationConfig, jobs: JobWithMetadata<DeliveryJob>[]): Promise<JobResult[]> {
    const { marketplace } = integration;
    const { limits } = this.limits.get(store.account, marketplace);
    const skuIds = jobs.map((j) => j.data.skuId);
    const [states, intents] = await Promise.all([
      this.state.load(store.account, marketplace, skuIds, { source: true }),
      this.intents.pending(store.account, marketplace, skuIds),
    ]);
    const waiting: Array<{ job: JobWithMetadata<DeliveryJob>; retryAt: number }> = [];
    const results = await mapLimit(jobs, limits.concurrency, async (job): Promise<JobResult> => {
      const outcome = await this.deliver(store, integration, job.data, states.get(job.data.skuId), {
        intent: intents.has(job.data.skuId),
        lastAttempt: job.retryCount >= job.retryLimit,
        attempt: job.retryCount + 1,
      });
      switch (outcome.kind) {
        case 'nothing':
        case 'done':
          return { id: job.id, status: 'completed' };
        case 'rejected':
          return { id: job.id, status: 'completed', output: outcome.output as object };
        case 'deferred':
          waiting.push({ job, retryAt: outcome.retryAt });
          return { id: job.id, status: 'completed', output: { deferred: outcome.output } };
        case 'failed':
          return { id: job.id, status: 'failed', output: outcome.output as object };
      }
    });
    if (waiting.length) await this.requeue(store.account, marketplace, waiting);
    return results;
  }

  /**
   * Puts jobs that must wait back in the queue, due at `retryAt`, keeping the retries they have
   * left: waiting for a breaker or for credentials is not a failure.
   */
  private async requeue(store: string, marketplace: string, waiting: Array<{ job: JobWithMetadata<DeliveryJob>; retryAt: number }>) {
    await this.boss.insert(
      QueueNames.delivery(store, marketplace),
      waiting.map(({ job, retryAt }) => ({
        data: job.data,
        singletonKey: job.data.skuId,
        startAfter: new Date(retryAt),
        retryLimit: Math.max(0, job.retryLimit - job.retryCount),
      })),
    );
  }

  /** Delivers one SKU's desired payload (also used as the breaker's probe, with `probe`). */
  async deliver(
    store: StoreConfig,
    integration: IntegrationConfig,
    data: DeliveryJob,
    row: SkuStateRow | undefined,
    options: { intent?: boolean; lastAttempt?: boolean; attempt?: number; probe?: boolean } = {},
  ): Promise<DeliveryOutcome> {
    const { marketplace } = integration;
    // Nothing desired, already delivered (a duplicate job, a retry after success), or no longer sendable.
    let plan = planDelivery(row);
    if (!row || plan.kind === 'none') return { kind: 'nothing' };
    const { skuId, requestId } = data;
    // The log's ContentSource is the source of the payload sent: read with the row, not again at write time.
    const base = { store: store.account, marketplace, skuId, requestId, attempted: true, ...(row.desired_source !== undefined ? { source: row.desired_source } : {}) };
    const call = { probe: options.probe };
    const lastRequest = () => {
      const { kind: operation, ...detail } = plan;
      const payload = operation === 'deactivate' || operation === 'delete' ? null : row.desired_payload;
      return { operation, at: new Date(this.clock.now()).toISOString(), payload, ...detail };
    };
    try {
      let marketplaceId = row.marketplace_id ?? undefined;
      if (plan.kind === 'publish' && options.intent) {
        marketplaceId = await this.adopt(store, marketplace, skuId, call);
        if (marketplaceId) plan = { kind: 'update', reactivate: false };
      }
      const sent = await this.send(store, marketplace, row, skuId, plan as Exclude<DeliveryPlan, { kind: 'none' }>, marketplaceId, call);
      await this.state.apply([
        {
          ...base,
          status: sent.status ?? 'synced',
          deliveredHash: row.desired_hash!,
          marketplaceId: sent.marketplaceId,
          removeMapping: sent.removeMapping,
          lastRequest: lastRequest(),
          lastResponse: { ok: true, body: sent.response ?? null },
        },
      ]);
      return { kind: 'done' };
    } catch (error) {
      const { kind, error: e } = classify(error, marketplace);
      const lastResponse = { ok: false, code: e.code, message: e.message, details: e.details ?? null };
      if (kind === 'deferred') {
        // Why it waits (breaker, 429s, or the marketplace still processing it) stays visible on the SKU.
        await this.state.apply([{ ...base, attempted: false, status: 'pending', lastRequest: lastRequest(), lastResponse }]);
        return { kind: 'deferred', retryAt: (e.details as { retryAt: number }).retryAt, output: lastResponse };
      }
      if (kind === 'auth') {
        // The integration is paused now; the job waits for credentials that work, it is not a failure.
        await this.state.apply([{ ...base, attempted: false, status: 'pending', lastRequest: lastRequest(), lastResponse }]);
        return { kind: 'deferred', retryAt: this.clock.now() + 1000, output: lastResponse };
      }
      if (kind === 'rejected') {
        await this.state.apply([
          { ...base, status: 'failed', lastRequest: lastRequest(), lastResponse, fixes: [{ field: marketplace, rule: 'marketplace-validation', message: e.message }] },
        ]);
        return { kind: 'rejected', output: lastResponse };
      }
      const last = Boolean(options.lastAttempt) && !options.probe;
      await this.state.apply([{ ...base, status: last ? 'dead' : 'pending', lastRequest: lastRequest(), lastResponse }]);
      this.log.warn({ store: store.account, marketplace, skuId, requestId, code: e.code, attempt: options.attempt, probe: options.probe ?? false }, e.message);
      return { kind: 'failed', output: lastResponse };
    }
  }

  /** The call the plan names, through the MarketplaceCaller (gate, global budget, 429s, auth). */
  private async send(
    store: StoreConfig,
    marketplace: string,
    row: SkuStateRow,
    skuId: string,
    plan: Exclude<DeliveryPlan, { kind: 'none' }>,
    knownId: string | undefined,
    call: { probe?: boolean },
  ): Promise<{ marketplaceId?: string; response?: unknown; status?: 'blocked'; removeMapping?: boolean }> {
    const payload = row.desired_payload!;
    const marketplaceId = knownId!;
    switch (plan.kind) {
      case 'publish': {
        const created = await this.caller.call(store, marketplace, 'publish', (h) => h.publish({ skuId, payload }), {
          ...call,
          before: () => this.intents.begin(store.account, marketplace, skuId),
        });
        // The id first: a crash after this leaves it known, so no second create.
        await this.intents.complete(store.account, marketplace, skuId, created.marketplaceId);
        return { marketplaceId: created.marketplaceId, response: created.response };
      }
      case 'update': {
        const item = { skuId, marketplaceId, payload, reactivate: plan.reactivate, ...(plan.changed ? { changed: plan.changed } : {}) };
        const { response } = await this.caller.call(store, marketplace, 'update', (h) => h.update(item), call);
        return { marketplaceId, response };
      }
      case 'deactivate': {
        const { response } = await this.caller.call(store, marketplace, 'deactivate', (h) => h.deactivate!({ skuId, marketplaceId }), call);
        return { marketplaceId, response, status: 'blocked' };
      }
      case 'delete': {
        const { response } = await this.caller.call(store, marketplace, 'delete', (h) => h.delete!({ skuId, marketplaceId }), call);
        return { response, status: 'blocked', removeMapping: true };
      }
    }
  }

  /** A create was sent before without its answer recorded: look the item up before creating again. */
  private async adopt(store: StoreConfig, marketplace: string, skuId: string, call: { probe?: boolean }): Promise<string | undefined> {
    const found = await this.caller.call(
      store,
      marketplace,
      'fetchRemoteState',
      async (h) => (h.fetchRemoteState ? h.fetchRemoteState([{ skuId }]) : undefined),
      call,
    );
    if (!found) {
      this.log.warn({ store: store.account, marketplace, skuId }, 'an earlier create may have gone through, and the plugin cannot look items up (no fetchRemoteState): creating again');
      return undefined;
    }
    const remote = found.find((r) => r.skuId === skuId && r.found && r.marketplaceId);
    if (!remote?.marketplaceId) {
      await this.intents.clear(store.account, marketplace, skuId);
      return undefined;
    }
    await this.intents.complete(store.account, marketplace, skuId, remote.marketplaceId);
    this.log.info({ store: store.account, marketplace, skuId, marketplaceId: remote.marketplaceId }, 'adopted an item created by an earlier attempt');
    return remote.marketplaceId;
  }

  /**
   * One call to learn whether the marketplace works again: a pending delivery for the breaker (a
   * real write), a read of one known item for credentials (no side effect); the other as fallback.
   */
  async probe(store: StoreConfig, integration: IntegrationConfig, purpose: 'breaker' | 'auth'): Promise<ProbeResult> {
    const order = purpose === 'breaker' ? [() => this.probeDelivery(store, integration), () => this.probeRead(store, integration)] : [() => this.probeRead(store, integration), () => this.probeDelivery(store, integration)];
    for (const attempt of order) {
      const result = await attempt();
      if (result !== 'nothing') return result;
    }
    return 'nothing';
  }

  private async probeDelivery(store: StoreConfig, integration: IntegrationConfig): Promise<ProbeResult> {
    const [pending] = await this.db.query<{ sku_id: string; request_id: string | null }>(
      `select sku_id, request_id from sku_state
       where store = $1 and marketplace = $2 and status = 'pending' and desired_hash is distinct from delivered_hash
       order by last_attempt_at nulls first limit 1`,
      [store.account, integration.marketplace],
    );
    if (!pending) return 'nothing';
    const states = await this.state.load(store.account, integration.marketplace, [pending.sku_id], { source: true });
    const intents = await this.intents.pending(store.account, integration.marketplace, [pending.sku_id]);
    const outcome = await this.deliver(store, integration, { skuId: pending.sku_id, requestId: pending.request_id ?? 'probe' }, states.get(pending.sku_id), {
      probe: true,
      intent: intents.has(pending.sku_id),
    });
    if (outcome.kind === 'failed') return 'technical';
    // Deferred after a probe: either refused credentials (the integration is paused now) or 429s (it is up).
    if (outcome.kind === 'deferred') return (outcome.output as { code?: string }).code === Errors.marketplaceAuth.code ? 'auth' : 'ok';
    return 'ok';
  }

  private async probeRead(store: StoreConfig, integration: IntegrationConfig): Promise<ProbeResult> {
    const [known] = await this.db.query<{ sku_id: string; marketplace_id: string }>(
      'select sku_id, marketplace_id from id_mappings where store = $1 and marketplace = $2 order by updated_at desc limit 1',
      [store.account, integration.marketplace],
    );
    if (!known) return 'nothing';
    try {
      const answered = await this.caller.call(
        store,
        integration.marketplace,
        'fetchRemoteState',
        async (h) => (h.fetchRemoteState ? (await h.fetchRemoteState([{ skuId: known.sku_id, marketplaceId: known.marketplace_id }]), true) : false),
        { probe: true },
      );
      return answered ? 'ok' : 'nothing';
    } catch (error) {
      const { kind } = classify(error, integration.marketplace);
      return kind === 'auth' ? 'auth' : kind === 'rejected' || kind === 'deferred' ? 'ok' : 'technical';
    }
  }
}
