import type { IntegrationConfig } from '../config/types.js';
import type { VtexOffer } from '../vtex/types.js';

export type WarningKind = 'inventory' | 'price';

/** Something the merchant should see (VTEX shows minimum-stock warnings on its inventory page). */
export interface PolicyWarning {
  policy: string;
  kind: WarningKind;
  message: string;
  /** Figures behind the warning; `proposed` is the value a reviewer can approve (price-drop guard). */
  details: Record<string, unknown>;
}

export interface PolicyContext {
  store: string;
  marketplace: string;
  marketplaceName: string;
  skuId: string;
  integration: IntegrationConfig;
  /** The offer as VTEX gave it (simulation), before any policy. */
  vtexOffer: VtexOffer;
  /** The offer last decided for this marketplace (after policies): what guards compare against. */
  previous: VtexOffer | null;
  /** Values reviewers approved, by policy id. */
  approvals: Record<string, unknown>;
}

export interface PolicyStep {
  offer: VtexOffer;
  warning?: PolicyWarning;
  /** One line for the operation log, when the policy changed something. */
  note?: string;
}

/**
 * A merchant policy: a pure rule over the SKU's offer (price and stock, VTEX units: cents, units),
 * applied before the mapping, so it works the same for every marketplace whatever its field names.
 */
export interface MerchantPolicy {
  readonly id: string;
  enabled(integration: IntegrationConfig): boolean;
  apply(offer: VtexOffer, context: PolicyContext): PolicyStep;
}

export interface PolicyOutcome {
  offer: VtexOffer;
  warnings: PolicyWarning[];
  notes: string[];
}
