import type { FieldMappingRow } from '../mapping/types.js';
import type { Fix } from '../plugin-api/index.js';
import type { RegistrationRule } from '../rules/registration-rules.js';

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
  batch?: { maxItems?: number; maxBytes?: number; maxWaitMs?: number };
  /** Calls in flight at once per integration. */
  concurrency?: number;
}

/** `contributes.marketplace` of a plugin's package.json. */
export interface MarketplaceContribution {
  id: string;
  displayName: string;
  /** JSON schema of the per-integration settings; secret properties carry `"x-secret": true`. */
  settings?: Record<string, unknown>;
  allowedHosts?: string[];
  limits?: MarketplaceLimits;
  /** The field-mapping table: the core builds the marketplace payload from it. */
  fieldMappings?: FieldMappingRow[];
  /** Checked on the mapped payload, all at once, before anything is sent. */
  registrationRules?: RegistrationRule[];
  capabilities?: MarketplaceCapabilities;
}

export interface MarketplaceCapabilities {
  /** `item`: one call per SKU; `feed`: lots. */
  mode: 'item' | 'feed';
  /** Whether an item can be blocked with zero stock; when false the core deletes it instead (and its id mapping). */
  canDeactivate: boolean;
  /** Whether stock and price may only be sent once the product exists on the marketplace. */
  needsProductBeforeOffer: boolean;
}

export interface PluginManifest {
  name: string;
  version: string;
  main: string;
  engines?: { connector?: string };
  activationEvents?: string[];
  contributes: { marketplace: MarketplaceContribution };
}

export interface DiscoveredPlugin {
  /** Folder holding the plugin's package.json. */
  dir: string;
  manifest: PluginManifest;
}

export type { Fix };
