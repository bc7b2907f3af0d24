/**
 * In-memory stand-ins for the storage the pipeline stages use, so the test host runs the core's real
 * stages (marketplace-sync, delivery, lots, the marketplace caller) without a database. Each mirrors
 * its Postgres counterpart's semantics — the SQL's coalesce rules, the lot repository's assembly —
 * and core/test/testing/parity.test.ts runs the same operations through both and compares them.
 * Values are cloned in and out, as a database round trip would.
 */
import type { JobInsert } from 'pg-boss';
import type { Bucket } from '../delivery/limits.js';
import { blockedSkus, fillLot, IN_FLIGHT, type LotItemRow, type LotLimits, type LotTiming, type LotOperation, type LotRow, type LotStatus, type NewLotItem } from '../delivery/lots/lot-repository.js';
import type { BreakerStatus } from '../delivery/breakers.js';
import { budgetDeferral, type BudgetKey } from '../delivery/rate-budget.js';
import type { OperationLogEntry } from '../oplog/operation-log.js';
import type { IntegrationRef } from '../plugins/activation.js';
import { checkKey, checkStateValue } from '../plugins/plugin-state-repository.js';
import type { StateCall } from '../plugins/rpc/protocol.js';
import type { WarningEvaluation } from '../policies/policy-warnings.js';
import type { PolicyWarning } from '../policies/types.js';
import { deliveryLog } from '../state/delivery-log.js';
import type { DesiredOperation } from '../state/desired-operation.js';
import type { SkuState, SkuStateRow, SkuStatus, StateUpdate } from '../state/state-repository.js';
import type { Clock } from '../util/clock.js';

const clone = <T>(v: T): T => (v === undefined || v === null ? v : structuredClone(v));
const k3 = (store: string, marketplace: string, skuId: string) => `${store}\0${marketplace}\0${skuId}`;
/** jsonb has no `undefined`: a round trip drops it (and a top-level undefined is SQL NULL). */
const json = <T>(v: T): T => (v === undefined || v === null ? (null as T) : (JSON.parse(JSON.stringify(v)) as T));

interface StateRow {
  store: string;
  marketplace: string;
  sku_id: string;
  status: SkuStatus;
  request_id: string | null;
  fixes: SkuState['fixes'];
  desired_payload: Record<string, unknown> | null;
  desired_hash: string | null;
  desired_operation: DesiredOperation;
  desired_offer: unknown;
  desired_source: unknown;
  delivered_hash: string | null;
  delivered_operation: DesiredOperation | null;
  delivered_payload: Record<string, unknown> | null;
  last_request: unknown;
  last_response: unknown;
  marketplace_id: string | null;
  vtex_category_id: string | null;
  attempts: number;
  last_attempt_at: number | null;
  updated_at: number;
}

/** StateRepository (sku_state, id_mappings) and the operation log, in memory. */
export class MemoryState {
  readonly rows = new Map<string, StateRow>();
  /** id_mappings: store × marketplace × SKU → marketplace id. */
  readonly mappings = new Map<string, string>();
  readonly logs: OperationLogEntry[] = [];

  constructor(private readonly clock: Clock) {}

  async apply(updates: StateUpdate[]): Promise<void> {
    if (!updates.length) return;
    const byKey = new Map<string, StateUpdate>();
    for (const u of updates) byKey.set(k3(u.store, u.marketplace, u.skuId), u);
    const unique = [...byKey.values()];
    // The ContentSource of delivery logs is the row's, read before the change (as the SQL does).
    const sources = new Map(unique.filter((u) => u.attempted && u.log === undefined).map((u) => [k3(u.store, u.marketplace, u.skuId), clone(this.rows.get(k3(u.store, u.marketplace, u.skuId))?.desired_source)]));
    const now = this.clock.now();
    for (const u of unique) {
      const key = k3(u.store, u.marketplace, u.skuId);
      const s = this.rows.get(key);
      const x = {
        request_id: u.requestId ?? null,
        fixes: json(u.fixes ?? []),
        desired_payload: json(u.desired?.payload ?? null),
        desired_hash: u.desired?.hash ?? null,
        desired_operation: u.desired ? (u.desired.operation ?? 'upsert') : null,
        desired_offer: json(u.desired?.offer ?? null),
        desired_source: json(u.desired?.source ?? null),
        delivered_hash: u.deliveredHash ?? null,
        last_request: json(u.lastRequest ?? null),
        last_response: json(u.lastResponse ?? null),
        marketplace_id: u.marketplaceId ?? null,
        vtex_category_id: u.vtexCategoryId ?? null,
        attempts: u.attempted ? 1 : 0,
      };
      const lastAttempt = x.attempts > 0 ? now : null;
      if (!s) {
        this.rows.set(key, {
          store: u.store,
          marketplace: u.marketplace,
          sku_id: u.skuId,
          status: u.status,
          ...x,
          desired_operation: x.desired_operation ?? 'upsert',
          delivered_operation: null,
          delivered_payload: null,
          last_attempt_at: lastAttempt,
          updated_at: now,
        });
        continue;
      }
      // The ON CONFLICT of StateRepository.upsert, column by column (s: the row before, x: the update).
      const confirms = x.delivered_hash !== null && x.delivered_hash === s.desired_hash;
      this.rows.set(key, {
        ...s,
        status: u.status,
        request_id: x.request_id ?? s.request_id,
        fixes: u.fixes !== undefined ? x.fixes : s.fixes,
        desired_payload: x.desired_payload ?? s.desired_payload,
        desired_hash: x.desired_hash ?? s.desired_hash,
        desired_operation: x.desired_hash !== null ? (x.desired_operation ?? 'upsert') : s.desired_operation,
        desired_offer: x.desired_offer ?? s.desired_offer,
        desired_source: x.desired_source ?? s.desired_source,
        delivered_operation: confirms ? s.desired_operation : s.delivered_operation,
        delivered_payload: confirms && s.desired_operation === 'upsert' ? s.desired_payload : s.delivered_payload,
        delivered_hash: x.delivered_hash ?? s.delivered_hash,
        last_request: x.last_request ?? s.last_request,
        last_response: x.last_response ?? s.last_response,
        marketplace_id: x.marketplace_id ?? s.marketplace_id,
        vtex_category_id: x.vtex_category_id ?? s.vtex_category_id,
        attempts: x.attempts + (x.desired_hash !== null && x.desired_hash !== s.desired_hash ? 0 : s.attempts),
        last_attempt_at: lastAttempt ?? s.last_attempt_at,
        updated_at: now,
      });
    }
    for (const u of unique.filter((u) => u.removeMapping)) {
      const key = k3(u.store, u.marketplace, u.skuId);
      this.mappings.delete(key);
      const row = this.rows.get(key);
      if (row) row.marketplace_id = null;
    }
    for (const u of unique) {
      if (u.log !== undefined) {
        if (u.log) this.logs.push(clone(u.log));
      } else if (u.attempted) {
        this.logs.push(deliveryLog(u, sources.get(k3(u.store, u.marketplace, u.skuId)) ?? null));
      }
    }
  }

  async load(store: string, marketplace: string, skuIds: string[]): Promise<Map<string, SkuStateRow>> {
    const out = new Map<string, SkuStateRow>();
    for (const skuId of new Set(skuIds)) {
      const s = this.rows.get(k3(store, marketplace, skuId));
      if (!s) continue;
      out.set(skuId, {
        sku_id: s.sku_id,
        status: s.status,
        attempts: s.attempts,
        desired_payload: clone(s.desired_payload),
        desired_hash: s.desired_hash,
        desired_operation: s.desired_operation,
        desired_offer: clone(s.desired_offer) as SkuStateRow['desired_offer'],
        delivered_hash: s.delivered_hash,
        delivered_operation: s.delivered_operation,
        delivered_payload: clone(s.delivered_payload),
        marketplace_id: this.mappings.get(k3(store, marketplace, skuId)) ?? s.marketplace_id,
        fixes: clone(s.fixes),
        request_id: s.request_id,
        vtex_category_id: s.vtex_category_id,
      });
    }
    return out;
  }

  async get(store: string, marketplace: string, skuId: string): Promise<SkuState | undefined> {
    return (await this.list({ store, marketplace, skuIds: [skuId] }))[0];
  }

  async list(filter: { store: string; marketplace?: string; status?: SkuStatus; skuIds?: string[] }): Promise<SkuState[]> {
    return [...this.rows.values()]
      .filter((s) => s.store === filter.store && (!filter.marketplace || s.marketplace === filter.marketplace) && (!filter.status || s.status === filter.status) && (!filter.skuIds || filter.skuIds.includes(s.sku_id)))
      .sort((a, b) => (a.marketplace === b.marketplace ? (a.sku_id < b.sku_id ? -1 : a.sku_id > b.sku_id ? 1 : 0) : a.marketplace < b.marketplace ? -1 : 1))
      .map((s) => ({
        store: s.store,
        marketplace: s.marketplace,
        skuId: s.sku_id,
        status: s.status,
        attempts: s.attempts,
        lastAttemptAt: s.last_attempt_at === null ? null : new Date(s.last_attempt_at).toISOString(),
        lastRequest: clone(s.last_request) ?? null,
        lastResponse: clone(s.last_response) ?? null,
        fixes: clone(s.fixes),
        marketplaceId: this.mappings.get(k3(s.store, s.marketplace, s.sku_id)) ?? s.marketplace_id,
        vtexCategoryId: s.vtex_category_id,
        desiredOperation: s.desired_operation,
        desiredPayload: clone(s.desired_payload),
        deliveredOperation: s.delivered_operation,
        requestId: s.request_id,
        updatedAt: new Date(s.updated_at).toISOString(),
      }));
  }

  async saveIdMappings(store: string, marketplace: string, mappings: Array<{ skuId: string; marketplaceId: string }>): Promise<void> {
    for (const m of mappings) this.mappings.set(k3(store, marketplace, m.skuId), m.marketplaceId);
  }

  async idMapping(store: string, marketplace: string, skuId: string): Promise<string | undefined> {
    return this.mappings.get(k3(store, marketplace, skuId));
  }

  /** OperationLog.write */
  async write(entries: OperationLogEntry[]): Promise<void> {
    this.logs.push(...entries.map((e) => clone(e)));
  }
}

/** PublishIntents, in memory (sharing MemoryState's id mappings). */
export class MemoryIntents {
  readonly open = new Set<string>();

  constructor(private readonly state: MemoryState) {}

  async pending(store: string, marketplace: string, skuIds: string[]): Promise<Set<string>> {
    return new Set(skuIds.filter((s) => this.open.has(k3(store, marketplace, s))));
  }

  async begin(store: string, marketplace: string, skuId: string): Promise<void> {
    this.open.add(k3(store, marketplace, skuId));
  }

  async complete(store: string, marketplace: string, skuId: string, marketplaceId: string): Promise<void> {
    this.state.mappings.set(k3(store, marketplace, skuId), marketplaceId);
    this.open.delete(k3(store, marketplace, skuId));
  }

  async clear(store: string, marketplace: string, skuId: string): Promise<void> {
    this.open.delete(k3(store, marketplace, skuId));
  }
}

interface LotRecord extends LotRow {
  submit_job: string | null;
  items: Map<string, LotItemRow>;
}

/** LotRepository, in memory: assembly with the same filling rules (fillLot, blockedSkus). */
export class MemoryLots {
  private readonly lots = new Map<number, LotRecord>();
  private seq = 0;

  constructor(
    private readonly state: MemoryState,
    private readonly clock: Clock,
  ) {}

  private iso = () => new Date(this.clock.now()).toISOString();

  async add(store: string, marketplace: string, operation: LotOperation, items: NewLotItem[], limits: LotLimits): Promise<{ opened: number[]; sealed: number[]; grown: number[]; waiting: string[] }> {
    const opened: number[] = [];
    const sealed: number[] = [];
    const grown: number[] = [];
    const waiting: string[] = [];
    let pending = [...items];
    while (pending.length) {
      let lot = [...this.lots.values()].filter((l) => l.store === store && l.marketplace === marketplace && l.operation === operation && l.status === 'open').sort((a, b) => a.id - b.id)[0];
      const skus = new Set(pending.map((p) => p.skuId));
      const flying = [...this.lots.values()]
        .filter((l) => l.store === store && l.marketplace === marketplace && IN_FLIGHT.includes(l.status))
        .flatMap((l) => [...l.items.keys()].filter((s) => skus.has(s)).map((sku_id) => ({ sku_id, operation: l.operation })));
      const blocked = blockedSkus(flying, operation);
      waiting.push(...pending.filter((p) => blocked.has(p.skuId)).map((p) => p.skuId));
      pending = pending.filter((p) => !blocked.has(p.skuId));
      if (!pending.length) break;
      if (!lot) {
        const id = ++this.seq;
        lot = { id, store, marketplace, operation, status: 'open', item_count: 0, bytes: 0, last_item_at: null, feed_ref: null, polls: 0, accepted: null, rejected: null, error: null, created_at: this.iso(), sealed_at: null, submitted_at: null, finished_at: null, submit_job: null, items: new Map() };
        this.lots.set(id, lot);
        opened.push(id);
      }
      const present = new Map([...lot.items.values()].filter((i) => skus.has(i.sku_id)).map((i) => [i.sku_id, i.bytes]));
      const { take, rest, evict, full } = fillLot({ count: lot.item_count, bytes: lot.bytes }, present, pending, limits);
      for (const sku of evict) lot.items.delete(sku);
      for (const i of take) {
        const old = lot.items.get(i.skuId);
        lot.items.set(i.skuId, { sku_id: i.skuId, withdraw: !!i.withdraw, payload: json(i.payload), payload_hash: i.hash, bytes: i.bytes, marketplace_id: old?.marketplace_id ?? null, outcome: old?.outcome ?? null, message: old?.message ?? null });
      }
      if (take.length) {
        grown.push(lot.id);
        lot.last_item_at = this.iso();
      }
      if (take.length || evict.length) {
        lot.item_count = lot.items.size;
        lot.bytes = [...lot.items.values()].reduce((n, i) => n + i.bytes, 0);
      }
      if (full) {
        lot.status = 'sealed';
        lot.sealed_at = this.iso();
        sealed.push(lot.id);
      }
      pending = rest;
    }
    return { opened, sealed, grown, waiting };
  }

  async claimForSubmit(lotId: number, timing: LotTiming, jobId: string): Promise<LotRow | undefined> {
    const lot = this.lots.get(lotId);
    if (!lot) return undefined;
    const now = this.clock.now();
    const waited = Date.parse(lot.created_at) <= now - Math.max(0, timing.maxWaitMs - 50) || Date.parse(lot.last_item_at ?? lot.created_at) <= now - Math.max(0, timing.quietMs - 50);
    if (!(lot.status === 'sealed' || (lot.status === 'submitting' && lot.submit_job === jobId) || (lot.status === 'open' && waited))) return undefined;
    lot.status = 'submitting';
    lot.sealed_at ??= this.iso();
    lot.submit_job = jobId;
    return this.row(lot);
  }

  async release(lotId: number, reopenBelow?: LotLimits): Promise<void> {
    const lot = this.lots.get(lotId);
    if (lot?.status === 'submitting') {
      lot.status = reopenBelow && lot.item_count < reopenBelow.maxItems && lot.bytes < reopenBelow.maxBytes ? 'open' : 'sealed';
      lot.submit_job = null;
    }
  }

  async items(lotId: number): Promise<LotItemRow[]> {
    const lot = this.lots.get(lotId);
    if (!lot) return [];
    return [...lot.items.values()]
      .sort((a, b) => (a.sku_id < b.sku_id ? -1 : a.sku_id > b.sku_id ? 1 : 0))
      .map((i) => ({ ...clone(i), marketplace_id: i.marketplace_id ?? this.state.mappings.get(k3(lot.store, lot.marketplace, i.sku_id)) ?? null }));
  }

  async submitted(lotId: number, feedRef: string): Promise<void> {
    const lot = this.lots.get(lotId);
    if (!lot) return;
    Object.assign(lot, { status: 'submitted' as LotStatus, feed_ref: feedRef, submitted_at: this.iso(), error: null });
  }

  async get(lotId: number): Promise<LotRow | undefined> {
    const lot = this.lots.get(lotId);
    return lot && this.row(lot);
  }

  async polled(lotId: number): Promise<number> {
    const lot = this.lots.get(lotId);
    if (!lot) return 0;
    return ++lot.polls;
  }

  async noteError(lotId: number, error: string): Promise<void> {
    const lot = this.lots.get(lotId);
    if (lot) lot.error = error.slice(0, 1000);
  }

  async finish(lotId: number, status: 'done' | 'failed', outcomes: Array<{ skuId: string; outcome: 'accepted' | 'rejected' | 'missing'; message?: string; marketplaceId?: string }>, error?: string): Promise<void> {
    const lot = this.lots.get(lotId);
    if (!lot) return;
    for (const o of outcomes) {
      const item = lot.items.get(o.skuId);
      if (!item) continue;
      item.outcome = o.outcome;
      item.message = o.message ?? null;
      item.marketplace_id = o.marketplaceId ?? item.marketplace_id;
    }
    lot.status = status;
    lot.finished_at = this.iso();
    lot.error = error !== undefined ? error.slice(0, 1000) : lot.error;
    lot.accepted = [...lot.items.values()].filter((i) => i.outcome === 'accepted').length;
    lot.rejected = [...lot.items.values()].filter((i) => i.outcome === 'rejected').length;
  }

  async list(store: string, marketplace: string, options: { limit?: number; status?: LotStatus } = {}): Promise<LotRow[]> {
    return [...this.lots.values()]
      .filter((l) => l.store === store && l.marketplace === marketplace && (!options.status || l.status === options.status))
      .sort((a, b) => b.id - a.id)
      .slice(0, options.limit ?? 50)
      .map((l) => this.row(l));
  }

  async unsent(store: string, marketplace: string, lotId: number): Promise<string[]> {
    const lot = this.lots.get(lotId);
    if (!lot) return [];
    return [...lot.items.keys()].filter((skuId) => {
      const s = this.state.rows.get(k3(store, marketplace, skuId));
      return !!s && (s.status === 'pending' || s.status === 'synced') && s.desired_hash != null && s.desired_hash !== s.delivered_hash;
    });
  }

  async oldestSubmitted(store: string, marketplace: string): Promise<LotRow | undefined> {
    const lot = [...this.lots.values()].filter((l) => l.store === store && l.marketplace === marketplace && l.status === 'submitted').sort((a, b) => Date.parse(a.submitted_at!) - Date.parse(b.submitted_at!))[0];
    return lot && this.row(lot);
  }

  private row(lot: LotRecord): LotRow {
    const { items: _items, submit_job: _job, ...row } = lot;
    return { ...row };
  }
}

/** ctx.state, in memory: one key space per plugin integration, the same checks and limits, TTLs on the test clock. */
export class MemoryPluginState {
  private readonly entries = new Map<string, { value: string; expiresAt: number | null }>();

  constructor(private readonly clock: Clock) {}

  async run(plugin: string, ref: IntegrationRef, call: StateCall): Promise<unknown> {
    const prefix = `${ref.marketplace}\0${ref.store}\0`;
    const live = (key: string) => {
      const e = this.entries.get(prefix + key);
      return e && (e.expiresAt === null || e.expiresAt > this.clock.now()) ? e : undefined;
    };
    switch (call.op) {
      case 'get': {
        const e = live(checkKey(plugin, call.key));
        return e ? JSON.parse(e.value) : undefined;
      }
      case 'set': {
        const key = checkKey(plugin, call.key);
        const value = checkStateValue(plugin, key, call.value, call.ttlSeconds);
        this.entries.set(prefix + key, { value, expiresAt: call.ttlSeconds === undefined ? null : this.clock.now() + call.ttlSeconds * 1000 });
        return undefined;
      }
      case 'delete': {
        const key = checkKey(plugin, call.key);
        const existed = live(key) !== undefined;
        this.entries.delete(prefix + key);
        return existed;
      }
      case 'keys':
        return [...this.entries.keys()]
          .filter((k) => k.startsWith(prefix + (call.prefix ?? '')))
          .map((k) => k.slice(prefix.length))
          .filter((k) => live(k))
          .sort();
    }
  }
}

/**
 * The rate budget, in memory: the same GCRA spacing as RateBudget (calls 1/rate apart, `capacity` at
 * once) on the test clock, and a 429 blocks the bucket until Retry-After. The shared database budget's
 * slow-down after a 429 (halving, then recovering) is not modelled.
 */
export class MemoryBudget {
  private readonly buckets = new Map<string, { bucket: Bucket; tat: number; granted: number; rateLimited: number }>();

  constructor(private readonly clock: Clock) {}

  private id = (k: BudgetKey) => k3(k.store, k.marketplace, k.operation);

  async ensure(key: BudgetKey, bucket: Bucket): Promise<void> {
    const existing = this.buckets.get(this.id(key));
    this.buckets.set(this.id(key), { bucket, tat: existing?.tat ?? this.clock.now(), granted: existing?.granted ?? 0, rateLimited: existing?.rateLimited ?? 0 });
  }

  async take(key: BudgetKey, signal?: AbortSignal, maxWaitMs?: number): Promise<void> {
    const b = this.buckets.get(this.id(key));
    if (!b) return; // not rate limited
    const step = 1000 / b.bucket.rate;
    const tau = (b.bucket.capacity - 1) * step;
    const now = this.clock.now();
    const slot = Math.max(b.tat, now) - tau;
    if (maxWaitMs !== undefined && slot - now > maxWaitMs) throw budgetDeferral(key, slot);
    b.tat = Math.max(b.tat, now) + step;
    b.granted++;
    if (slot > now) await this.clock.sleep(slot - now, signal);
  }

  async penalize(key: BudgetKey, retryAfterMs: number): Promise<void> {
    const b = this.buckets.get(this.id(key));
    if (!b) return;
    const tau = ((b.bucket.capacity - 1) * 1000) / b.bucket.rate;
    b.tat = Math.max(b.tat, this.clock.now() + Math.max(0, retryAfterMs) + tau);
    b.rateLimited++;
  }

  stats(): Array<BudgetKey & { granted: number; rateLimited: number }> {
    return [...this.buckets.entries()].map(([id, b]) => {
      const [store, marketplace, operation] = id.split('\0');
      return { store, marketplace, operation, granted: b.granted, rateLimited: b.rateLimited };
    });
  }
}

/**
 * The circuit breaker, in memory: it counts consecutive technical failures but never opens (the test
 * host has no probe loop), so a failing call is retried per the retry policy until it dead-letters.
 */
export class MemoryBreakers {
  private readonly failures = new Map<string, { count: number; error: string; at: number }>();

  constructor(private readonly clock: Clock) {}

  async failure(store: string, marketplace: string, error: string): Promise<BreakerStatus> {
    const key = `${store}\0${marketplace}`;
    const count = (this.failures.get(key)?.count ?? 0) + 1;
    this.failures.set(key, { count, error, at: this.clock.now() });
    return this.status(store, marketplace);
  }

  async success(store: string, marketplace: string): Promise<BreakerStatus | undefined> {
    const key = `${store}\0${marketplace}`;
    if (!this.failures.has(key)) return undefined;
    this.failures.delete(key);
    return this.status(store, marketplace);
  }

  private status(store: string, marketplace: string): BreakerStatus {
    const f = this.failures.get(`${store}\0${marketplace}`);
    return {
      store,
      marketplace,
      state: 'closed',
      consecutiveFailures: f?.count ?? 0,
      openings: 0,
      openedAt: null,
      openUntil: null,
      lastError: f?.error ?? null,
      lastFailureAt: f ? new Date(f.at).toISOString() : null,
      lastSuccessAt: null,
    };
  }
}

/** Auth contingency, in memory: the integration's pause and its reason. */
export class MemoryContingency {
  readonly paused = new Map<string, string>();

  async pause(store: string, marketplace: string, reason: string): Promise<void> {
    this.paused.set(`${store}\0${marketplace}`, reason);
  }

  async resume(store: string, marketplace: string): Promise<boolean> {
    return this.paused.delete(`${store}\0${marketplace}`);
  }
}

/** PolicyWarnings, in memory: the current warnings per SKU; approvals a test sets. */
export class MemoryWarnings {
  readonly current = new Map<string, PolicyWarning[]>();
  readonly approved = new Map<string, Record<string, unknown>>();

  async approvals(store: string, marketplace: string, skuIds: string[]): Promise<Map<string, Record<string, unknown>>> {
    return new Map(skuIds.filter((s) => this.approved.has(k3(store, marketplace, s))).map((s) => [s, clone(this.approved.get(k3(store, marketplace, s))!)]));
  }

  async sync(store: string, marketplace: string, evaluations: WarningEvaluation[]): Promise<void> {
    for (const e of evaluations) {
      if (e.warnings.length) this.current.set(k3(store, marketplace, e.skuId), clone(e.warnings));
      else this.current.delete(k3(store, marketplace, e.skuId));
    }
  }
}

export interface QueuedJob {
  id: string;
  name: string;
  data: Record<string, unknown>;
  /** Epoch ms it may run from. */
  startAfter: number;
  retryCount: number;
  retryLimit: number;
  singletonKey?: string;
  seq: number;
}

export interface QueuePolicy {
  retryLimit: number;
  retryDelay: number;
  retryBackoff: boolean;
  retryDelayMax?: number;
  /** At most one queued job per singletonKey (pg-boss `stately`). */
  stately: boolean;
}

/**
 * pg-boss's side the stages use (`insert`), in memory. The test host runs the queued jobs on the test
 * clock; retries follow each queue's policy (pg-boss's backoff, without its random jitter).
 */
export class MemoryQueues {
  readonly jobs: QueuedJob[] = [];
  readonly dead: QueuedJob[] = [];
  private seq = 0;

  constructor(
    private readonly clock: Clock,
    private readonly policyOf: (queue: string) => QueuePolicy,
  ) {}

  async insert(name: string, jobs: JobInsert[]): Promise<null> {
    const policy = this.policyOf(name);
    for (const job of jobs) {
      const key = job.singletonKey ?? undefined;
      // `stately`: a job already waiting for this key covers the new one (the stage reads the latest state anyway).
      if (policy.stately && key !== undefined && this.jobs.some((j) => j.name === name && j.singletonKey === key)) continue;
      const startAfter = job.startAfter === undefined ? this.clock.now() : new Date(job.startAfter as Date | string | number).getTime();
      this.jobs.push({
        id: `job-${++this.seq}`,
        name,
        data: clone(job.data as Record<string, unknown>),
        startAfter,
        retryCount: 0,
        retryLimit: job.retryLimit ?? policy.retryLimit,
        ...(key !== undefined ? { singletonKey: key } : {}),
        seq: this.seq,
      });
    }
    return null;
  }

  /** pg-boss `work` is never called by the test host (it runs the handlers itself). */
  async work(): Promise<string> {
    throw new Error('the test host runs the stages\' handlers itself');
  }

  /** Up to `max` jobs of `name` that are due, oldest first (taken out of the queue). */
  take(name: string, max: number): QueuedJob[] {
    const now = this.clock.now();
    const due = this.jobs.filter((j) => j.name === name && j.startAfter <= now).sort((a, b) => a.startAfter - b.startAfter || a.seq - b.seq).slice(0, max);
    for (const j of due) this.jobs.splice(this.jobs.indexOf(j), 1);
    return due;
  }

  /** A failed job: again after the queue's backoff, or to the dead letters once out of retries. */
  failed(job: QueuedJob): void {
    if (job.retryCount >= job.retryLimit) {
      this.dead.push(job);
      return;
    }
    const policy = this.policyOf(job.name);
    const delay = policy.retryBackoff ? Math.min(policy.retryDelayMax ?? Infinity, Math.max(policy.retryDelay, 1) * 2 ** job.retryCount) : policy.retryDelay;
    this.jobs.push({ ...job, retryCount: job.retryCount + 1, startAfter: this.clock.now() + delay * 1000, seq: ++this.seq });
  }

  /** When the next job of one of `names` is due, if any. */
  nextDue(names: string[]): number | undefined {
    const times = this.jobs.filter((j) => names.includes(j.name)).map((j) => j.startAfter);
    return times.length ? Math.min(...times) : undefined;
  }
}
