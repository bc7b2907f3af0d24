import type { Fix } from '../plugin-api/index.js';

export interface RateLimit {
  /** Sustained requests per second. */
  perSecond: number;
  /** Requests allowed at once above the sustained rate. */
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
