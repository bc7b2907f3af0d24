import type { MarketplaceLimits } from '../plugins/manifest.js';
import type { DeliveryConfig, ReconciliationConfig } from './delivery-config.js';

/** A secret as written in the config file: inline, or the name of an environment variable. */
export type SecretRef = string | { env: string };

export interface IntegrationConfig {
  marketplace: string;
  enabled: boolean;
  minimumStock: number;
  /** VTEX category id → marketplace category id (seeds the category mapping table at start). */
  categoryMappings: Record<string, string>;
  /** Merchant policies besides the minimum stock. */
  policies?: IntegrationPolicies;
  /** Plugin-specific, validated by the plugin's settings schema; secrets already resolved. */
  settings: Record<string, unknown>;
  /** Overrides of the plugin's declared limits (same shape as the manifest's `limits`). */
  limits?: MarketplaceLimits;
}

export interface StoreConfig {
  account: string;
  webhookToken: string;
  vtex: { baseUrl: string; appKey: string; appToken: string; affiliateId: string; salesChannel: number };
  integrations: IntegrationConfig[];
}

export interface IntegrationPolicies {
  /** Units held back from the marketplace. */
  stockBuffer?: number;
  /** Holds price cuts larger than this share of the last price sent, for review. */
  priceDropGuard?: { maxDropPercent: number; checkListPrice?: boolean };
}

export interface PipelineConfig {
  /** Coalescing of notification bursts per store × SKU. */
  coalesce: { quietMs: number; maxDelayMs: number };
}

/** The admin API, UI and metrics (docs/admin.md); tokens resolved. */
export interface AdminConfig {
  tokens: Array<{ name: string; token: string }>;
  /** The environment variable holding the AES-256-GCM key for secret settings stored through the API. */
  secretsKeyEnv: string;
  failedAuthPerMinute: number;
  metricsToken: boolean;
  settingsPollSeconds: number;
}

/** The configuration after validation, defaults and secret resolution. */
export interface ConnectorConfig {
  stores: StoreConfig[];
  plugins: { paths: string[] };
  server: { host?: string; port?: number };
  pipeline: PipelineConfig;
  logs: { retentionDays: number };
  /** Retries, breaker, contingency and feed polling, defaults applied. */
  delivery: DeliveryConfig;
  /** Reconciliation and periodic refresh schedules, defaults applied. */
  reconciliation: ReconciliationConfig;
  /** Admin API tokens and the secrets key's source, defaults applied. */
  admin: AdminConfig;
  /** Where the config came from, for messages; `(inline)` when built in code. */
  source: string;
}
