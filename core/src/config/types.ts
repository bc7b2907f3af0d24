import type { MarketplaceLimits } from '../plugins/manifest.js';
import type { DeliveryConfig, ReconciliationConfig } from './delivery-config.js';

/** A secret as written in the config file: inline, or the name of an environment variable. */
export type SecretRef = string | { env: string };

export interface IntegrationConfig {
  marketplace: string;
  enabled: boolean;
  minimumStock: number;
  /** VTEX category id → marketplace category id. */
  categoryMappings: Record<string, string>;
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

/** The configuration after validation, defaults and secret resolution. */
export interface ConnectorConfig {
  stores: StoreConfig[];
  plugins: { paths: string[] };
  server: { host?: string; port?: number };
  /** Retries, breaker, contingency and feed polling, defaults applied. */
  delivery: DeliveryConfig;
  /** Reconciliation and periodic refresh schedules, defaults applied. */
  reconciliation: ReconciliationConfig;
  /** Where the config came from, for messages; `(inline)` when built in code. */
  source: string;
}
