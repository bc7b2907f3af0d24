/**
 * The plugin manifest: the plugin's package.json, validated by core/schema/plugin-manifest.schema.json
 * (built from the contribution points in ./contributions). These types mirror that schema.
 */
import type { FieldMappingRow } from '../mapping/types.js';
import type { RegistrationRule } from '../rules/registration-rules.js';
import type { Fix } from '../plugin-api/index.js';

/** Shape shared with core/schema/limits.schema.json (the manifest's and the config's `limits`). */
export interface RateLimit {
  /** Sustained requests per second. */
  perSecond?: number;
  /** Sustained requests per minute; with perSecond too, the stricter wins. */
  perMinute?: number;
  /** Requests allowed at once above the sustained rate (default 1). */
  burst?: number;
}

export interface MarketplaceLimits {
  /** Per operation (`publish`, `update`, …) or `default`. */
  rate?: Record<string, RateLimit>;
  batch?: { maxItems?: number; maxBytes?: number; maxWaitMs?: number; quietMs?: number };
  /** Calls in flight at once per integration. */
  concurrency?: number;
}

// The rows of the mapping table and the registration rules are the mapping engine's and the rules
// engine's own types: the manifest only carries them.
export type { FieldMappingRow as FieldMapping, TransformStep } from '../mapping/types.js';
export type { RegistrationRule, RuleKind as RegistrationRuleKind } from '../rules/registration-rules.js';

export interface MarketplaceCapabilities {
  /** `item`: one call per item; `feed`: batches submitted as feeds/lots and polled. */
  mode: 'item' | 'feed';
  /** Whether an item can be blocked with zero stock; when false the core deletes it instead (and its id mapping). */
  canDeactivate: boolean;
  /** Stock/price can only be sent once the product exists on the marketplace. */
  needsProductBeforeOffer: boolean;
  /**
   * Feed marketplaces (since 1.1): a lot of fewer items than this goes through the item handlers (`publish`,
   * `update`, `deactivate`/`delete`, each on its own rate budget) instead of `submitFeed` — e.g. Amazon's
   * Listings Items API for small volumes, a JSON_LISTINGS_FEED for large ones. No publish intent is recorded on
   * that path (a lot is the unit of retry): only for marketplaces whose create is idempotent by seller SKU.
   */
  perItemBelow?: number;
}

/** `contributes.marketplace` of a plugin's package.json. */
export interface MarketplaceContribution {
  id: string;
  displayName: string;
  /** JSON schema of the per-integration settings; secret properties carry `"x-secret": true`. */
  settings?: Record<string, unknown>;
  /** Host names `ctx.http` may reach (`*.example.com` matches sub-domains). */
  allowedHosts: string[];
  limits?: MarketplaceLimits;
  /** The field-mapping table: the core builds the marketplace payload from it. */
  fieldMappings?: FieldMappingRow[];
  /** Checked on the mapped payload, all at once, before anything is sent. */
  registrationRules?: RegistrationRule[];
  /** Ops the plugin's `transform` handler provides, with their description for the mapping table. */
  transforms?: Array<{ op: string; description: string }>;
  capabilities?: MarketplaceCapabilities;
}

/** Where the plugin's code runs: a worker thread (default) or a child process. */
export type IsolationMode = 'worker' | 'process';

export interface PluginManifest {
  name: string;
  version: string;
  main: string;
  engines: { connector: string; [engine: string]: string };
  /** `onMarketplace:<id>` (default) or `onStartup`. */
  activationEvents?: string[];
  isolation?: IsolationMode;
  contributes: { marketplace: MarketplaceContribution };
}

/** Where a plugin was found. */
export type PluginSource = 'config' | 'plugins-folder' | 'npm';

export interface DiscoveredPlugin {
  /** Folder holding the plugin's package.json. */
  dir: string;
  source: PluginSource;
  manifest: PluginManifest;
  /** Warnings of the validation rules (`connector plugin validate`), logged when the plugin is loaded. */
  warnings?: import('./contributions/types.js').PluginProblem[];
}

export type { Fix };
