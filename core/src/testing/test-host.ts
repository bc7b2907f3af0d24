import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Job, JobResult, JobWithMetadata } from 'pg-boss';
import { parseConfig } from '../config/load.js';
import type { DeliveryConfigInput } from '../config/delivery-config.js';
import type { ConnectorConfig, IntegrationConfig, IntegrationPolicies, StoreConfig } from '../config/types.js';
import { createAjv, toProblems } from '../config/validation.js';
import type { Database } from '../database/database.js';
import { DeliveryGate } from '../delivery/gate.js';
import { IntegrationLimitsService } from '../delivery/integration-limits.js';
import { LotStage } from '../delivery/lots/lot-stage.js';
import type { LotItemRow, LotRow } from '../delivery/lots/lot-repository.js';
import { MarketplaceCaller } from '../delivery/marketplace-caller.js';
import { Errors } from '../errors/errors.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { MarketplaceSpecs } from '../mapping/marketplace-specs.js';
import type { OperationLogEntry } from '../oplog/operation-log.js';
import { DeliveryStage } from '../pipeline/delivery.js';
import { MarketplaceSyncStage } from '../pipeline/marketplace-sync.js';
import { PLUGIN_API_VERSION } from '../plugin-api/index.js';
import { ContextServices } from '../plugins/context-services.js';
import { noopHttpMeter } from '../plugins/http-meter.js';
import { lintManifest, toProblems as findingProblems } from '../plugins/lint/lint.js';
import type { Finding } from '../plugins/lint/rules.js';
import type { MarketplaceLimits, PluginManifest } from '../plugins/manifest.js';
import { integrationBinding } from '../plugins/plugin-host.js';
import { PolicyEngine } from '../policies/policy-engine.js';
import type { PolicyWarning } from '../policies/types.js';
import { QueueNames } from '../queue/queue-names.js';
import { deliveryRetry } from '../queue/queues.js';
import type { SkuState } from '../state/state-repository.js';
import type { SkuSnapshot } from '../vtex/types.js';
import { TestClock } from './clock.js';
import { InProcessPlugin, pluginModuleOf, type HandlerCall, type PluginEntry } from './in-process.js';
import {
  MemoryBreakers,
  MemoryBudget,
  MemoryContingency,
  MemoryIntents,
  MemoryLots,
  MemoryPluginState,
  MemoryQueues,
  MemoryState,
  MemoryWarnings,
  type QueuedJob,
  type QueuePolicy,
} from './memory.js';

export interface TestHostOptions {
  /** The plugin's module: `import plugin from '../src/index.js'` (or the module namespace). */
  plugin: PluginEntry;
  /** The plugin's folder: its package.json is the manifest, checked by the same rules as at load. */
  dir?: string;
  /** The manifest itself, instead of `dir`. */
  manifest?: Record<string, unknown>;
  /** The fake marketplace: its `url` becomes the integration's `apiBaseUrl` (unless `settings` sets one). */
  fake?: { url: string };
  /** The integration's settings, secrets included (as in the config's `integrations[].settings`). */
  settings?: Record<string, unknown>;
  /** Virtual time shared with the fake (default: a new TestClock). */
  clock?: TestClock;
  /** The VTEX account (default `teststore`) and trade policy (default 1). */
  store?: string;
  salesChannel?: number;
  /** VTEX category id → marketplace category id (the integration's category mapping). */
  categories?: Record<string, string>;
  minimumStock?: number;
  policies?: IntegrationPolicies;
  /** The integration's `limits` overrides. */
  limits?: MarketplaceLimits;
  /** The config's `delivery` section (retries, feed polling). */
  delivery?: DeliveryConfigInput;
  logger?: Logger;
  /** One `run()` stops once virtual time has moved this far (default 7 days): a marketplace that never recovers. */
  horizonMs?: number;
}

export interface RunReport {
  /** Handler batches run (marketplace-sync, delivery, lot-submit, feed-status). */
  batches: number;
  /** Virtual milliseconds the run took. */
  elapsedMs: number;
  /** Jobs still queued (integration paused, or the horizon reached). */
  pending: number;
  /** Jobs that failed every retry (the dead-letter queue). */
  deadLetters: number;
  /** Why the integration is paused (credentials refused), if it is. */
  paused?: string;
}

export interface SyncReport extends RunReport {
  /** The state of each SKU synced, in the order given. */
  skus: SkuState[];
}

export interface MappedSku {
  skuId: string;
  /** `pending` when the payload would be sent; `invalid`, `pending-category`, … otherwise. */
  status: SkuState['status'];
  /** The marketplace payload the core built (null when something must be fixed first). */
  payload: Record<string, unknown> | null;
  fixes: SkuState['fixes'];
  /** The operation log entries of the decision (A3 defaults, E1 fixes, …). */
  logs: OperationLogEntry[];
}

export interface TestHost {
  readonly clock: TestClock;
  readonly manifest: PluginManifest;
  readonly marketplace: string;
  readonly store: string;
  /** Warnings of the validation rules on the manifest (errors refuse it, as at load). */
  readonly warnings: Finding[];
  /** What the core would send for each snapshot — mapping, policies, rules, the seller's fixes — without sending it. */
  map(snapshots: SkuSnapshot | SkuSnapshot[]): Promise<MappedSku[]>;
  /** Runs the snapshots through marketplace-sync and delivery (or lots) until nothing is left to do. */
  sync(snapshots: SkuSnapshot | SkuSnapshot[]): Promise<SyncReport>;
  /** Runs whatever is queued (retries, deferred jobs, feed polls) until nothing is left to do. */
  run(): Promise<RunReport>;
  state(skuId: string | number): Promise<SkuState | undefined>;
  states(): Promise<SkuState[]>;
  /** The operation log (VTEX's message format), oldest first. */
  readonly logs: OperationLogEntry[];
  /** Every handler call the core made to the plugin, with its result or error. */
  readonly calls: HandlerCall[];
  /** Lots of a feed plugin, newest first, with their items. */
  lots(): Promise<Array<LotRow & { items: LotItemRow[] }>>;
  /** Jobs that failed every retry. */
  readonly deadLetters: QueuedJob[];
  /** Policy warnings (minimum stock, price guard) currently raised for a SKU. */
  policyWarnings(skuId: string | number): PolicyWarning[];
  /** Why the integration is paused (refused credentials), or undefined. */
  readonly paused: string | undefined;
  /** New settings (e.g. fixed credentials; the fake's URL stays the apiBaseUrl): the plugin is activated again, a paused integration resumes. */
  updateSettings(settings: Record<string, unknown>): Promise<void>;
  /** Rate-budget figures per operation (calls granted, 429s). */
  budgets(): Array<{ operation: string; granted: number; rateLimited: number }>;
  /** Deactivates the plugin (deactivate(), then its subscriptions). */
  close(): Promise<void>;
}

const DAY = 24 * 3600_000;

/** A database the test host never has: only the breaker's probe would use it, and the test host runs none. */
const noDatabase = {
  query: () => Promise.reject(new Error('the test host has no database (nothing should query it)')),
} as unknown as Pick<Database, 'query'>;

function readManifest(options: TestHostOptions): { raw: Record<string, unknown>; dir: string } {
  if (options.manifest) return { raw: structuredClone(options.manifest), dir: options.dir ?? process.cwd() };
  if (!options.dir) throw Errors.invalidArgument('dir', 'give the plugin\'s folder (its package.json is the manifest), or the manifest itself');
  return { raw: JSON.parse(readFileSync(join(options.dir, 'package.json'), 'utf8')) as Record<string, unknown>, dir: options.dir };
}

/**
 * A plugin running through the core's real pipeline — its field mapping, registration rules, merchant
 * policies, the marketplace-sync decisions, the delivery stage (publish, update, deactivate, delete,
 * 429s, auth refresh, retries) or the lot stage for feed plugins — in this process, on in-memory
 * storage and a virtual clock, against the plugin author's fake of the marketplace. No database, no
 * worker thread; the boundary checks of the extension host still apply.
 */
export async function createTestHost(options: TestHostOptions): Promise<TestHost> {
  const { raw, dir } = readManifest(options);
  // The rules the runtime runs at load (the module is given, so whether `main` is built does not matter here).
  const report = lintManifest(raw, dir, { apiVersion: PLUGIN_API_VERSION, scope: 'load' });
  const errors = report.findings.filter((f) => f.severity === 'error' && f.rule !== 'manifest/main');
  if (errors.length) {
    const problems = findingProblems(errors);
    throw errors.every((f) => f.rule === 'manifest/engine-incompatible') ? Errors.pluginIncompatible(report.label, problems) : Errors.pluginInvalid(report.label, problems);
  }
  const manifest = raw as unknown as PluginManifest;
  const mp = manifest.contributes.marketplace;
  const account = options.store ?? 'teststore';
  const clock = options.clock ?? new TestClock();
  const log = options.logger ?? createLogger({ level: 'silent' });
  const label = `${manifest.name}@${manifest.version}`;

  const withFake = (given: Record<string, unknown>) => ({ ...(options.fake ? { apiBaseUrl: options.fake.url } : {}), ...structuredClone(given) });
  const settings = withFake(options.settings ?? {});
  const config: ConnectorConfig = parseConfig({
    stores: [
      {
        account,
        webhookToken: 'test-host',
        vtex: { baseUrl: 'https://vtex.invalid', appKey: 'test-host', appToken: 'test-host', affiliateId: 'TST', salesChannel: options.salesChannel ?? 1 },
        integrations: [
          {
            marketplace: mp.id,
            minimumStock: options.minimumStock ?? 0,
            categoryMappings: options.categories ?? {},
            ...(options.policies ? { policies: options.policies } : {}),
            ...(options.limits ? { limits: options.limits } : {}),
            settings,
          },
        ],
      },
    ],
    ...(options.delivery ? { delivery: options.delivery } : {}),
    reconciliation: { enabled: false },
  });
  const store: StoreConfig = config.stores[0];
  const integration: IntegrationConfig = store.integrations[0];
  const validateSettings = (value: Record<string, unknown>) => {
    if (!mp.settings) return;
    const validate = createAjv().compile(mp.settings);
    if (!validate(value)) throw Errors.settingsInvalid(`${account}/${mp.id}`, toProblems(validate.errors, '/settings'));
  };
  validateSettings(integration.settings); // applies the schema's defaults, as the runtime does

  const state = new MemoryState(clock);
  const intents = new MemoryIntents(state);
  const lots = new MemoryLots(state, clock);
  const budget = new MemoryBudget(clock);
  const breakers = new MemoryBreakers(clock);
  const contingency = new MemoryContingency();
  const warnings = new MemoryWarnings();
  const services = new ContextServices(log, noopHttpMeter, new MemoryPluginState(clock));
  const module = pluginModuleOf(options.plugin);
  const calls: HandlerCall[] = [];
  let plugin = new InProcessPlugin(module, label, integrationBinding(store, manifest, 20_000), services, log);
  const plugins = {
    handlers: async () => {
      const handlers = await plugin.activate();
      return handlers;
    },
    manifest: (marketplace: string) => {
      if (marketplace !== mp.id) throw Errors.pluginNotFound(marketplace, ['(test host)']);
      return manifest;
    },
  };
  const stores = {
    get: (a: string) => (a === account ? store : undefined),
    integration: (a: string, m: string) => (a === account && m === mp.id ? integration : undefined),
    list: () => [store],
  };
  const limits = new IntegrationLimitsService(plugins, stores, budget);
  await limits.ensureBuckets(account, mp.id);
  const gate = new DeliveryGate(noDatabase as Database, log);
  gate.track(account, mp.id);
  const caller = new MarketplaceCaller(plugins, budget, breakers, contingency, gate, limits, clock, log);
  const specs = new MarketplaceSpecs(plugins);
  specs.get(mp.id);

  const snapshots = new Map<string, SkuSnapshot>();
  const snapshotStore = { loadMany: async (_store: string, ids: string[]) => new Map(ids.filter((id) => snapshots.has(id)).map((id) => [id, structuredClone(snapshots.get(id)!)])) };
  const categories = { forIntegration: async () => new Map(Object.entries(integration.categoryMappings)) };
  const syncQueue = QueueNames.marketplaceSync(account, mp.id);
  const retry = deliveryRetry(config);
  const policyOf = (queue: string): QueuePolicy =>
    queue === syncQueue
      ? { retryLimit: 5, retryDelay: 5, retryBackoff: true, stately: true }
      : { retryLimit: retry.retryLimit, retryDelay: retry.retryDelay, retryBackoff: retry.retryBackoff, retryDelayMax: retry.retryDelayMax, stately: queue === QueueNames.delivery(account, mp.id) };
  const queues = new MemoryQueues(clock, policyOf);
  const syncStage = new MarketplaceSyncStage(queues, plugins, specs, snapshotStore, state, categories, new PolicyEngine(), warnings, state, log);
  const { capabilities } = limits.get(account, mp.id);
  const deliveryWorkers =
    capabilities.mode === 'feed'
      ? new LotStage(queues, noDatabase, lots, state, caller, limits, config, clock, log).workers(store, integration)
      : new DeliveryStage(queues, noDatabase, state, caller, intents, limits, clock, log).workers(store, integration);
  const runners = [
    { queue: syncQueue, batchSize: 100, gated: false, handler: (jobs: Job<Record<string, unknown>>[]) => syncStage.handle(store, integration, jobs as never) },
    ...deliveryWorkers.always.map((w) => ({ queue: w.queue, batchSize: w.options.batchSize ?? 1, gated: false, handler: w.handler })),
    ...deliveryWorkers.gated.map((w) => ({ queue: w.queue, batchSize: w.options.batchSize ?? 1, gated: true, handler: w.handler })),
  ];
  const horizonMs = options.horizonMs ?? 7 * DAY;
  let requests = 0;

  async function run(): Promise<RunReport> {
    const started = clock.now();
    let batches = 0;
    for (;;) {
      let ran = false;
      for (const runner of runners) {
        if (runner.gated && !gate.isOpen(account, mp.id)) continue;
        const jobs = queues.take(runner.queue, runner.batchSize);
        if (!jobs.length) continue;
        const asJobs = jobs.map((j) => ({ id: j.id, name: j.name, data: j.data, retryCount: j.retryCount, retryLimit: j.retryLimit, singletonKey: j.singletonKey ?? null }) as unknown as JobWithMetadata<object>);
        let results: JobResult[];
        try {
          results = (await runner.handler(asJobs as never)) as JobResult[];
        } catch (error) {
          // pg-boss fails every job of a batch whose handler throws.
          log.warn({ err: error, queue: runner.queue }, 'handler failed; its jobs are retried');
          results = jobs.map((j) => ({ id: j.id, status: 'failed' as const, output: { message: (error as Error).message } }));
        }
        const byId = new Map(results.map((r) => [r.id, r]));
        for (const job of jobs) if (byId.get(job.id)?.status === 'failed') queues.failed(job);
        batches++;
        ran = true;
        break; // start again from marketplace-sync: earlier stages first
      }
      if (ran) continue;
      const runnable = runners.filter((r) => !r.gated || gate.isOpen(account, mp.id)).map((r) => r.queue);
      const next = queues.nextDue(runnable);
      if (next === undefined || next - started > horizonMs) break;
      await clock.advanceTo(next);
    }
    return {
      batches,
      elapsedMs: clock.now() - started,
      pending: queues.jobs.length,
      deadLetters: queues.dead.length,
      ...(contingency.paused.size ? { paused: [...contingency.paused.values()][0] } : {}),
    };
  }

  const list = (s: SkuSnapshot | SkuSnapshot[]) => (Array.isArray(s) ? s : [s]).map((x) => ({ ...structuredClone(x), store: account, skuId: String(x.skuId) }));

  const host: TestHost = {
    clock,
    manifest,
    marketplace: mp.id,
    store: account,
    warnings: report.findings.filter((f) => f.severity === 'warning'),
    get logs() {
      return state.logs;
    },
    get calls() {
      return [...calls, ...plugin.calls];
    },
    get deadLetters() {
      return queues.dead;
    },
    get paused() {
      return contingency.paused.get(`${account}\0${mp.id}`);
    },

    async map(input) {
      // The real marketplace-sync stage on scratch storage: its decision, nothing delivered.
      const scratch = new MemoryState(clock);
      const scratchQueues = new MemoryQueues(clock, policyOf);
      const stage = new MarketplaceSyncStage(scratchQueues, plugins, specs, snapshotStore, scratch, categories, new PolicyEngine(), new MemoryWarnings(), scratch, log);
      const items = list(input);
      const saved = new Map(snapshots);
      for (const s of items) snapshots.set(s.skuId, s);
      try {
        const results = await stage.handle(store, integration, items.map((s, i) => ({ id: `map-${i}`, name: syncQueue, data: { skuId: s.skuId, requestId: `map-${s.skuId}` } })) as never);
        // E5: the mapping could not run at all (a plugin op without a transform handler, a handler the manifest promises missing…).
        const failed = results.find((r) => r.status === 'failed');
        if (failed) throw Errors.mapperUnavailable(mp.id, (failed.output as { message?: string } | undefined)?.message ?? 'the mapping failed');
      } finally {
        snapshots.clear();
        for (const [k, v] of saved) snapshots.set(k, v);
      }
      const rows = await scratch.load(account, mp.id, items.map((s) => s.skuId));
      return items.map((s) => {
        const row = rows.get(s.skuId);
        return {
          skuId: s.skuId,
          status: row?.status ?? 'invalid',
          payload: row && (row.status === 'pending' || row.status === 'synced') ? row.desired_payload : null,
          fixes: row?.fixes ?? [],
          logs: scratch.logs.filter((l) => l.skuId === s.skuId),
        };
      });
    },

    async sync(input) {
      const items = list(input);
      for (const s of items) snapshots.set(s.skuId, s);
      await queues.insert(syncQueue, items.map((s) => ({ data: { skuId: s.skuId, requestId: `test-${++requests}` }, singletonKey: s.skuId })));
      const report = await run();
      const skus = await state.list({ store: account, marketplace: mp.id, skuIds: items.map((s) => s.skuId) });
      const order = new Map(items.map((s, i) => [s.skuId, i]));
      return { ...report, skus: skus.sort((a, b) => order.get(a.skuId)! - order.get(b.skuId)!) };
    },

    run,
    state: (skuId) => state.get(account, mp.id, String(skuId)),
    states: () => state.list({ store: account, marketplace: mp.id }),

    async lots() {
      const rows = await lots.list(account, mp.id, { limit: 10_000 });
      return Promise.all(rows.map(async (r) => ({ ...r, items: await lots.items(Number(r.id)) })));
    },

    policyWarnings: (skuId) => warnings.current.get(`${account}\0${mp.id}\0${String(skuId)}`) ?? [],

    async updateSettings(next) {
      const value = withFake(next);
      validateSettings(value);
      integration.settings = value;
      await plugin.deactivate();
      calls.push(...plugin.calls);
      plugin = new InProcessPlugin(module, label, integrationBinding(store, manifest, 20_000), services, log);
      if (await contingency.resume(account, mp.id)) gate.notePaused(account, mp.id, false);
    },

    budgets: () => budget.stats().map(({ operation, granted, rateLimited }) => ({ operation, granted, rateLimited })),

    close: () => plugin.deactivate(),
  };
  return host;
}
