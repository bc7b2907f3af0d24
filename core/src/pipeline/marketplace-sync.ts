import type { Job, JobResult, PgBoss } from 'pg-boss';
import { inject, injectable } from 'tsyringe';
import type { CategoryMappings } from '../catalog/category-mappings.js';
import type { IntegrationConfig, StoreConfig } from '../config/types.js';
import { TOKENS } from '../di/tokens.js';
import { Errors, isConnectorError } from '../errors/errors.js';
import type { Logger } from '../logging/logger.js';
import type { MappingItem } from '../mapping/engine.js';
import { getPath, setPath } from '../mapping/paths.js';
import type { MarketplaceSpec, MarketplaceSpecs } from '../mapping/marketplace-specs.js';
import type { MappingResult } from '../mapping/types.js';
import { direction, Operations, type OutcomeCode } from '../oplog/codes.js';
import type { OperationLog, OperationLogEntry } from '../oplog/operation-log.js';
import type { Fix, MarketplaceHandlers } from '../plugin-api/index.js';
import type { PluginHost } from '../plugins/plugin-host.js';
import type { PolicyEngine } from '../policies/policy-engine.js';
import type { PolicyWarnings, WarningEvaluation } from '../policies/policy-warnings.js';
import type { PolicyOutcome } from '../policies/types.js';
import { QueueNames } from '../queue/queue-names.js';
import { RETRY_POLL_SECONDS } from '../queue/queues.js';
import { checkSnapshot } from '../rules/snapshot-checks.js';
import type { DesiredOperation } from '../state/desired-operation.js';
import type { SnapshotRepository } from '../state/snapshot-repository.js';
import type { SkuStateRow, StateRepository, StateUpdate } from '../state/state-repository.js';
import { hashPayload } from '../util/hash.js';
import type { SkuSnapshot } from '../vtex/types.js';
import type { MarketplaceSyncJob } from './sku-refresh.js';

export type { MarketplaceSyncJob };
export type DeliveryJob = MarketplaceSyncJob;

/** The hash a withdrawal (deactivate / delete) is desired under: delivered once, it is not sent again. */
export const withdrawalHash = (operation: DesiredOperation) => hashPayload({ operation });

interface Evaluation {
  skuId: string;
  requestId: string;
  snapshot: SkuSnapshot;
  state?: SkuStateRow;
  missingOffer?: Fix;
  coreFixes: Fix[];
  categoryFix?: Fix;
  policy?: PolicyOutcome;
  item: MappingItem;
}

/**
 * `marketplace-sync`, per store × marketplace. For each SKU, from its stored snapshot and all at once
 * before anything is published:
 *  1. the core's checks (exists, active, product active, trade policy, simulation, price) — a SKU that
 *     must not be sold is deactivated (or deleted, where the marketplace cannot deactivate) if it is
 *     published, and waits with its fixes otherwise (A2);
 *  2. merchant policies on price and stock (minimum stock, buffer, price guard), warnings kept in step;
 *  3. the category mapping (unmapped → `pending-category`, E4);
 *  4. the manifest's field mapping (defaults → A3, empty mandatory fields → E1) and registration rules;
 *  5. the payload, recorded as desired and handed to delivery only when it differs from the one the
 *     marketplace last confirmed.
 * Every outcome is one state row and one operation log entry with the seller's whole list of fixes.
 */
// Dependencies are typed by what the stage uses of them, so the test host (core/src/testing) can run
// this very stage on in-memory storage.
@injectable()
export class MarketplaceSyncStage {
  private readonly checkedHandlers = new WeakSet<MarketplaceHandlers>();

  constructor(
    @inject(TOKENS.Boss) private readonly boss: Pick<PgBoss, 'work' | 'insert'>,
    @inject(TOKENS.PluginHost) private readonly plugins: Pick<PluginHost, 'handlers'>,
    @inject(TOKENS.MarketplaceSpecs) private readonly specs: Pick<MarketplaceSpecs, 'get' | 'checkHandlers'>,
    @inject(TOKENS.SnapshotRepository) private readonly snapshots: Pick<SnapshotRepository, 'loadMany'>,
    @inject(TOKENS.StateRepository) private readonly state: Pick<StateRepository, 'load' | 'apply'>,
    @inject(TOKENS.CategoryMappings) private readonly categories: Pick<CategoryMappings, 'forIntegration'>,
    @inject(TOKENS.PolicyEngine) private readonly policies: Pick<PolicyEngine, 'apply'>,
    @inject(TOKENS.PolicyWarnings) private readonly warnings: Pick<PolicyWarnings, 'approvals' | 'sync'>,
    @inject(TOKENS.OperationLog) private readonly oplog: Pick<OperationLog, 'write'>,
    @inject(TOKENS.Logger) private readonly log: Logger,
  ) {}

  async start(store: StoreConfig, integration: IntegrationConfig): Promise<void> {
    await this.boss.work<MarketplaceSyncJob>(
      QueueNames.marketplaceSync(store.account, integration.marketplace),
      // Two batches at once per process (stately: never two for one SKU): one's database work overlaps the other's.
      { batchSize: 100, localConcurrency: 2, perJobResults: true, burstWhenBatchFull: true, pollingIntervalSeconds: 1, notifyPollingIntervalSeconds: RETRY_POLL_SECONDS },
      (jobs) => this.handle(store, integration, jobs),
    );
  }

  async handle(store: StoreConfig, integration: IntegrationConfig, jobs: Job<MarketplaceSyncJob>[]): Promise<JobResult[]> {
    const { marketplace } = integration;
    const spec = this.specs.get(marketplace);
    const skuIds = [...new Set(jobs.map((j) => j.data.skuId))];
    const requestIds = new Map(jobs.map((j) => [j.data.skuId, j.data.requestId]));

    let handlers: MarketplaceHandlers;
    try {
      handlers = await this.plugins.handlers(store, marketplace);
      if (!this.checkedHandlers.has(handlers)) {
        this.specs.checkHandlers(spec, handlers);
        this.checkedHandlers.add(handlers);
      }
    } catch (error) {
      return this.mapperUnavailable(store, spec, jobs, skuIds, requestIds, error);
    }

    const [snapshots, states, categories, approvals] = await Promise.all([
      this.snapshots.loadMany(store.account, skuIds),
      this.state.load(store.account, marketplace, skuIds),
      this.categories.forIntegration(store.account, marketplace),
      this.warnings.approvals(store.account, marketplace, skuIds),
    ]);
    const settings = spec.publicSettings(integration.settings);

    const updates: StateUpdate[] = [];
    const warningEvaluations: WarningEvaluation[] = [];
    const toMap: Evaluation[] = [];
    for (const skuId of skuIds) {
      const requestId = requestIds.get(skuId)!;
      const snapshot = snapshots.get(skuId);
      const state = states.get(skuId);
      if (!snapshot) {
        // A sync job without a snapshot: the refresh that would have written it failed; nothing to decide from.
        this.log.warn({ store: store.account, marketplace, skuId, requestId }, 'marketplace-sync without a snapshot; skipped');
        continue;
      }
      const verdict = checkSnapshot(snapshot, skuId, spec.displayName);
      if (verdict.withdraw.length) {
        warningEvaluations.push({ skuId, warnings: [] }); // policy warnings are about a live offer
        const update = this.withdraw(store.account, spec, skuId, requestId, snapshot, state, verdict.withdraw, 'A2');
        if (update) updates.push(update);
        continue;
      }
      let policy: PolicyOutcome | undefined;
      if (snapshot.offer) {
        policy = this.policies.apply({
          store: store.account,
          marketplace,
          marketplaceName: spec.displayName,
          skuId,
          integration,
          vtexOffer: snapshot.offer,
          previous: state?.desired_offer ?? null,
          approvals: approvals.get(skuId) ?? {},
        });
        warningEvaluations.push({ skuId, warnings: policy.warnings });
      }
      const vtexCategory = snapshot.categoryId;
      const marketplaceCategory = vtexCategory ? categories.get(vtexCategory) : undefined;
      const categoryFix: Fix | undefined = marketplaceCategory
        ? undefined
        : {
            field: 'Category',
            rule: 'category-mapping',
            message: vtexCategory
              ? `VTEX category ${vtexCategory} is not mapped to a ${spec.displayName} category: map it and the SKU is sent at once.`
              : `SKU ${skuId} has no category in VTEX: put its product in a category mapped to ${spec.displayName}.`,
            where: vtexCategory ? `Integration ${marketplace} > category mapping` : 'Catalog > Products and SKUs > Product > Category',
          };
      toMap.push({
        skuId,
        requestId,
        snapshot,
        state,
        missingOffer: verdict.missingOffer,
        coreFixes: verdict.fixes,
        categoryFix,
        policy,
        item: {
          context: {
            sku: snapshot.sku,
            product: snapshot.product,
            offer: policy?.offer ?? null,
            store: store.account,
            skuId,
            salesChannel: snapshot.salesChannel,
            categoryId: vtexCategory,
            category: { vtexId: vtexCategory, marketplaceId: marketplaceCategory ?? null },
            settings,
          },
          skipSources: [...(snapshot.offer ? [] : ['offer']), ...(marketplaceCategory ? [] : ['category'])],
        },
      });
    }

    let mapped: MappingResult[];
    try {
      mapped = await spec.mapping.run(
        toMap.map((e) => e.item),
        handlers.transform ? (requests) => handlers.transform!(requests) : undefined,
      );
    } catch (error) {
      if (!isConnectorError(error, Errors.mapperUnavailable)) throw error;
      return this.mapperUnavailable(store, spec, jobs, toMap.map((e) => e.skuId), requestIds, error, updates);
    }

    toMap.forEach((evaluation, i) => {
      const update = this.decide(store.account, spec, evaluation, mapped[i]);
      if (update) updates.push(update);
    });

    // The desired payload is committed before the delivery job exists: delivery reads it from state.
    await this.state.apply(updates);
    await this.warnings.sync(store.account, marketplace, warningEvaluations);
    await this.enqueueDeliveries(store.account, marketplace, updates);
    return jobs.map((job) => ({ id: job.id, status: 'completed' as const }));
  }

  /**
   * A SKU that must not be sold (inactive, out of the trade policy, unknown, or — for a published
   * item — missing from the simulation): zero stock and block it where the marketplace allows it,
   * otherwise delete it and its id mapping; an unpublished one waits with its fixes.
   */
  private withdraw(
    store: string,
    spec: MarketplaceSpec,
    skuId: string,
    requestId: string,
    snapshot: SkuSnapshot,
    state: SkuStateRow | undefined,
    fixes: Fix[],
    code: 'A1' | 'A2',
    mapped?: MappingResult,
  ): StateUpdate | undefined {
    const operation: DesiredOperation = spec.capabilities.canDeactivate ? 'deactivate' : 'delete';
    const hash = withdrawalHash(operation);
    const base = { store, marketplace: spec.marketplace, skuId, requestId, vtexCategoryId: snapshot.categoryId };
    const source = sourceOf(snapshot);
    // Already withdrawn: a repeated notification changes nothing.
    if (state?.desired_hash === hash && state.delivered_hash === hash) return undefined;
    const reasons = fixes.map((f) => f.message).join(' ');
    if (state?.marketplace_id) {
      return {
        ...base,
        status: 'pending',
        fixes,
        desired: { payload: {}, hash, operation, source },
        log: this.entry(store, spec, skuId, requestId, code, operation === 'deactivate' ? Operations.offerDeactivation : Operations.offerDeletion, {
          source,
          translated: mapped?.payload,
          message: `${reasons} ${operation === 'deactivate' ? `Blocking ${state.marketplace_id} on ${spec.displayName} with stock 0.` : `${spec.displayName} cannot block items: deleting ${state.marketplace_id} and its id mapping.`}`,
        }),
      };
    }
    return {
      ...base,
      status: 'invalid',
      fixes,
      log: this.entry(store, spec, skuId, requestId, code, Operations.offerCreation, {
        source,
        translated: mapped?.payload,
        message: `Nothing sent to ${spec.displayName}. ${numbered(fixes)}`,
      }),
    };
  }

  /** Outcome of a SKU that went through the mapping: every fix at once, or a desired payload. */
  private decide(store: string, spec: MarketplaceSpec, e: Evaluation, mapped: MappingResult): StateUpdate | undefined {
    const { skuId, requestId, snapshot, state } = e;
    const source = sourceOf(snapshot, e.policy?.notes);
    const published = Boolean(state?.marketplace_id);
    const operation = published ? Operations.offerUpdate : Operations.offerCreation;
    const skip = new Set([...mapped.errors.map((f) => f.field), ...mapped.skipped]);
    const ruleFixes = spec.rules.check(mapped.payload, { skip, where: (field) => spec.mapping.rowFor(field)?.howToFill });
    const problems = [...e.coreFixes, ...mapped.errors, ...ruleFixes];
    const all = [...(e.missingOffer ? [e.missingOffer] : []), ...problems, ...(e.categoryFix ? [e.categoryFix] : [])];
    const base = { store, marketplace: spec.marketplace, skuId, requestId, vtexCategoryId: snapshot.categoryId };

    if (e.missingOffer) {
      // Published and no longer priced in the trade policy: take it off sale rather than sell at a stale price.
      if (published && spec.capabilities.canDeactivate) return this.withdraw(store, spec, skuId, requestId, snapshot, state, all, 'A1', mapped);
      return {
        ...base,
        status: 'invalid',
        fixes: all,
        log: this.entry(store, spec, skuId, requestId, 'A1', operation, {
          source,
          translated: mapped.payload,
          message: `${published ? `${state!.marketplace_id} keeps its last price and stock on ${spec.displayName} (it cannot block items). ` : `Nothing sent to ${spec.displayName}. `}${numbered(all)}`,
        }),
      };
    }
    // Published, and the catalog data now breaks a rule (or lost its category mapping): the listing
    // keeps its catalog data until the seller fixes it, but price and stock keep flowing — a stale
    // stock on a live listing oversells.
    if ((problems.length || e.categoryFix) && published && state?.delivered_payload) {
      const offerOnly = offerUpdate(spec, state.delivered_payload, mapped, ruleFixes);
      if (offerOnly) {
        const code = problems.length ? 'E1' : 'E4';
        const hash = hashPayload(offerOnly);
        const log = this.entry(store, spec, skuId, requestId, code, operation, {
          source,
          translated: mapped.payload,
          message: `${all.length} problem${all.length === 1 ? '' : 's'} to fix before the catalog changes of SKU ${skuId} reach ${spec.displayName}; its price and stock are still sent. ${numbered(all)}`,
        });
        if (state.delivered_hash === hash && state.delivered_operation === 'upsert') return { ...base, status: 'synced', fixes: all, log };
        return { ...base, status: 'pending', fixes: all, desired: { payload: offerOnly, hash, offer: e.policy?.offer, source }, log };
      }
    }
    if (problems.length) {
      return {
        ...base,
        status: 'invalid',
        fixes: all,
        log: this.entry(store, spec, skuId, requestId, 'E1', operation, {
          source,
          translated: mapped.payload,
          message: `${all.length} problem${all.length === 1 ? '' : 's'} to fix before SKU ${skuId} can be sent to ${spec.displayName}: ${numbered(all)}`,
        }),
      };
    }
    if (e.categoryFix) {
      return {
        ...base,
        status: 'pending-category',
        fixes: [e.categoryFix],
        log: this.entry(store, spec, skuId, requestId, 'E4', operation, {
          source,
          translated: mapped.payload,
          message: `${e.categoryFix.message} SKU ${skuId} waits in pending-category until then.`,
        }),
      };
    }

    const hash = hashPayload(mapped.payload);
    const defaultsLog =
      mapped.defaults.length > 0
        ? this.entry(store, spec, skuId, requestId, 'A3', operation, {
            source,
            translated: mapped.payload,
            message: `Default values used for fields empty in VTEX: ${mapped.defaults
              .map((d) => `${d.vtexField} → ${JSON.stringify(d.value)} (${d.target}; fill it in ${d.where})`)
              .join('; ')}.`,
          })
        : null;
    // What the marketplace already holds (confirmed): nothing to send, whatever the row said before.
    if (state?.delivered_hash === hash && state.delivered_operation === 'upsert' && published) {
      // Unchanged: nothing to send, but the row records that it was checked (initial-load progress counts it).
      if (state.status === 'synced' && state.desired_hash === hash) return { ...base, status: 'synced', fixes: [], log: null };
      return { ...base, status: 'synced', fixes: [], desired: { payload: mapped.payload, hash, offer: e.policy?.offer, source }, log: null };
    }
    return { ...base, status: 'pending', fixes: [], desired: { payload: mapped.payload, hash, offer: e.policy?.offer, source }, log: defaultsLog };
  }

  /** E5: the mapping cannot run (plugin not activatable, transform handler failing). Logged per SKU; the jobs are retried. */
  private async mapperUnavailable(
    store: StoreConfig,
    spec: MarketplaceSpec,
    jobs: Job<MarketplaceSyncJob>[],
    skuIds: string[],
    requestIds: Map<string, string>,
    error: unknown,
    updates: StateUpdate[] = [],
  ): Promise<JobResult[]> {
    const message = (error as Error)?.message ?? String(error);
    this.log.warn({ store: store.account, marketplace: spec.marketplace, skus: skuIds.length, err: error }, 'mapping unavailable; jobs will be retried');
    const logs = skuIds.map((skuId) =>
      this.entry(store.account, spec, skuId, requestIds.get(skuId) ?? null, 'E5', Operations.offerUpdate, { message: `${message} SKU ${skuId} is retried.` }),
    );
    // Decisions already made (withdrawals) stand; the SKUs that needed the mapping are retried.
    await this.state.apply(updates);
    await this.enqueueDeliveries(store.account, spec.marketplace, updates);
    await this.oplog.write(logs);
    const failed = new Set(skuIds);
    return jobs.map((job) =>
      failed.has(job.data.skuId) ? { id: job.id, status: 'failed' as const, output: { code: 'E5', message } } : { id: job.id, status: 'completed' as const },
    );
  }

  /** Updates that desire something (a payload, a withdrawal) go on to delivery, after their state is committed. */
  private async enqueueDeliveries(store: string, marketplace: string, updates: StateUpdate[]) {
    const jobs = updates.filter((u) => u.status === 'pending' && u.desired).map((u) => ({ data: { skuId: u.skuId, requestId: u.requestId! }, singletonKey: u.skuId }));
    if (jobs.length) await this.boss.insert(QueueNames.delivery(store, marketplace), jobs);
  }

  private entry(
    store: string,
    spec: MarketplaceSpec,
    skuId: string,
    requestId: string | null,
    code: OutcomeCode,
    operation: string,
    content: { source?: unknown; translated?: unknown; message: string },
  ): OperationLogEntry {
    return {
      store,
      marketplace: spec.marketplace,
      skuId,
      requestId,
      code,
      operation,
      direction: direction(spec.marketplace),
      contentSource: content.source ?? null,
      contentTranslated: content.translated ?? null,
      contentDestination: null,
      businessMessage: content.message.trim(),
    };
  }
}

/**
 * The payload last confirmed by the marketplace with only its price and stock fields (the targets
 * of rows reading `offer`) taken from the new mapping; undefined when those fields have mapping
 * problems. A price or stock field that breaks a registration rule (SkyHub: never a price of 0)
 * keeps its last confirmed value, so the rule's fix reaches the seller instead of a rejection.
 */
function offerUpdate(spec: MarketplaceSpec, delivered: Record<string, unknown>, mapped: MappingResult, ruleFixes: Fix[]): Record<string, unknown> | undefined {
  const targets = spec.mapping.targetsFrom('offer');
  if (!targets.length || mapped.errors.some((f) => targets.includes(f.field))) return undefined;
  const payload = structuredClone(delivered);
  const broken = (target: string) => ruleFixes.some((f) => f.field === target || f.field.startsWith(`${target}.`) || target.startsWith(`${f.field}.`));
  for (const target of targets) {
    if (broken(target)) continue;
    const path = target.split('.');
    const value = getPath(mapped.payload, path);
    if (value === undefined) return undefined;
    setPath(payload, path, value);
  }
  return payload;
}

/** "1) …; 2) …": the seller's whole list in one message. */
function numbered(fixes: Fix[]): string {
  return fixes.map((f, i) => `${i + 1}) ${f.message}`).join(' ');
}

/** The log's ContentSource: what was read from VTEX for this decision, compactly, and the policies' notes. */
export function sourceOf(snapshot: SkuSnapshot, notes: string[] = []): Record<string, unknown> {
  const { sku, product, offer } = snapshot;
  return {
    IdSku: snapshot.skuId,
    ProductId: sku?.ProductId ?? null,
    NameComplete: sku?.NameComplete ?? null,
    IsActive: sku?.IsActive ?? null,
    IsProductActive: product?.IsActive ?? sku?.IsProductActive ?? null,
    SalesChannels: sku?.SalesChannels ?? null,
    CategoryId: snapshot.categoryId,
    Ean: sku?.AlternateIds?.Ean ?? null,
    simulation: offer ? { price: offer.price, listPrice: offer.listPrice, sellingPrice: offer.sellingPrice, stock: offer.stock, availability: offer.availability } : null,
    fetchedAt: snapshot.fetchedAt,
    ...(snapshot.refresh ? { refresh: snapshot.refresh } : {}),
    ...(notes.length ? { notes } : {}),
  };
}
