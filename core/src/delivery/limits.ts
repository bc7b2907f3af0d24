import { readFileSync } from 'node:fs';
import { LIMITS_SCHEMA_PATH } from '../config/load.js';
import { createAjv, toProblems } from '../config/validation.js';
import type { FieldProblem } from '../errors/errors.js';
import type { MarketplaceCapabilities, MarketplaceLimits, PluginManifest, RateLimit } from '../plugins/manifest.js';

/** The limits the core enforces for one integration: the plugin's, with the integration's overrides. */
export interface EffectiveLimits {
  rate: Record<string, Required<Pick<RateLimit, 'burst'>> & RateLimit>;
  batch: { maxItems: number; maxBytes: number; maxWaitMs: number; quietMs: number };
  concurrency: number;
  /** Where each value came from, for operators (`plugin` or `integration`). */
  source: { rate: Record<string, 'plugin' | 'integration'>; batch: Record<string, 'plugin' | 'integration' | 'default'>; concurrency: 'plugin' | 'integration' | 'default' };
}

export const DEFAULT_BATCH = { maxItems: 25, maxBytes: 5 * 1024 * 1024, maxWaitMs: 5_000, quietMs: 5_000 };
export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_CAPABILITIES: MarketplaceCapabilities = { mode: 'item', canDeactivate: false, needsProductBeforeOffer: false };

/** Integration values replace the plugin's per operation (rate) and per field (batch, concurrency). */
export function effectiveLimits(declared: MarketplaceLimits | undefined, override: MarketplaceLimits | undefined): EffectiveLimits {
  const rate: EffectiveLimits['rate'] = {};
  const rateSource: Record<string, 'plugin' | 'integration'> = {};
  for (const [from, entries] of [['plugin', declared?.rate], ['integration', override?.rate]] as const) {
    for (const [operation, limit] of Object.entries(entries ?? {})) {
      rate[operation] = { ...limit, burst: limit.burst ?? 1 };
      rateSource[operation] = from;
    }
  }
  const batchSource: EffectiveLimits['source']['batch'] = {};
  const batch = { ...DEFAULT_BATCH };
  for (const key of Object.keys(DEFAULT_BATCH) as Array<keyof typeof DEFAULT_BATCH>) {
    const value = override?.batch?.[key] ?? declared?.batch?.[key];
    batchSource[key] = override?.batch?.[key] !== undefined ? 'integration' : declared?.batch?.[key] !== undefined ? 'plugin' : 'default';
    if (value !== undefined) batch[key] = value;
  }
  // Items that stop coming send a lot early: by default after 5 s of quiet, never later than maxWaitMs.
  if (batchSource.quietMs === 'default') batch.quietMs = Math.min(batch.maxWaitMs, DEFAULT_BATCH.quietMs);
  return {
    rate,
    batch,
    concurrency: override?.concurrency ?? declared?.concurrency ?? DEFAULT_CONCURRENCY,
    source: {
      rate: rateSource,
      batch: batchSource,
      concurrency: override?.concurrency !== undefined ? 'integration' : declared?.concurrency !== undefined ? 'plugin' : 'default',
    },
  };
}

export function capabilitiesOf(manifest: PluginManifest): MarketplaceCapabilities {
  return { ...DEFAULT_CAPABILITIES, ...manifest.contributes.marketplace.capabilities };
}

/**
 * A declared limit as a token bucket the core can enforce across processes, with a safety margin for
 * the time between our grant and the request reaching the marketplace (event loop, database, network
 * — tens of ms on a busy 2-core host): requests granted 1/rate apart can arrive bunched together and
 * draw a 429. With a burst, the tokens of JITTER_GUARD_MS (at least one) are held back, which costs
 * only part of the initial burst, never sustained rate;
 * with a burst of 1 there is nothing to hold back, so the spacing grows by SPACING_GUARD_MS instead.
 */
export const JITTER_GUARD_MS = 200;
export const SPACING_GUARD_MS = 10;

export interface Bucket {
  /** Tokens per second. */
  rate: number;
  capacity: number;
}

export function bucketFor(limit: RateLimit): Bucket {
  const perSecond = Math.min(limit.perSecond ?? Infinity, limit.perMinute !== undefined ? limit.perMinute / 60 : Infinity);
  const burst = limit.burst ?? 1;
  if (burst >= 2) {
    const holdBack = Math.min(burst - 1, Math.max(1, Math.ceil((perSecond * JITTER_GUARD_MS) / 1000)));
    return { rate: perSecond, capacity: burst - holdBack };
  }
  return { rate: perSecond / (1 + (perSecond * SPACING_GUARD_MS) / 1000), capacity: 1 };
}

/**
 * The bucket an operation draws on: its own entry, else its family's (`submitFeed.product` → `submitFeed`),
 * else `default`, else none (not rate limited).
 */
export function operationKey(limits: EffectiveLimits, operation: string): string | undefined {
  if (limits.rate[operation]) return operation;
  const family = operation.split('.')[0]!;
  if (family !== operation && limits.rate[family]) return family;
  return limits.rate.default ? 'default' : undefined;
}

let limitsValidator: ReturnType<ReturnType<typeof createAjv>['compile']> | undefined;
/** Validates a manifest's `limits` with the same schema as the config's `integrations[].limits`. */
export function validateLimits(value: unknown, prefix: string): FieldProblem[] {
  limitsValidator ??= createAjv().compile(JSON.parse(readFileSync(LIMITS_SCHEMA_PATH, 'utf8')));
  return limitsValidator(value) ? [] : toProblems(limitsValidator.errors, prefix);
}
