/**
 * The `delivery` and `reconciliation` sections of the config, with their defaults. The JSON schema
 * documents and validates them; defaults are applied here (not by ajv) so that a config built in
 * code, and a partial section, get them too.
 */
export interface DeliveryConfig {
  retry: { limit: number; delaySeconds: number; maxDelaySeconds: number };
  breaker: { failureThreshold: number; openSeconds: number; maxOpenSeconds: number };
  authProbeSeconds: number;
  feedPollSeconds: number;
  feedMaxPollSeconds: number;
  feedTimeoutHours: number;
  /** Longest a lot's submission waits for its budget's slot while holding its worker; further away, the lot is given back until then. */
  feedSlotWaitSeconds: number;
}

export interface ReconciliationConfig {
  enabled: boolean;
  hotCron: string;
  hotSkus: number;
  fullCron: string;
  refreshCron: string;
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
export type DeliveryConfigInput = DeepPartial<DeliveryConfig>;
export type ReconciliationConfigInput = Partial<ReconciliationConfig>;

export const DELIVERY_DEFAULTS: DeliveryConfig = {
  // VTEX's rule for connectors: at least 10 retries on 5xx, with backoff, then a dead letter.
  retry: { limit: 10, delaySeconds: 2, maxDelaySeconds: 600 },
  breaker: { failureThreshold: 5, openSeconds: 30, maxOpenSeconds: 600 },
  authProbeSeconds: 60,
  feedPollSeconds: 5,
  feedMaxPollSeconds: 300,
  feedTimeoutHours: 48,
  feedSlotWaitSeconds: 10,
};

export const RECONCILIATION_DEFAULTS: ReconciliationConfig = {
  enabled: true,
  hotCron: '*/15 * * * *',
  hotSkus: 500,
  fullCron: '0 */6 * * *',
  refreshCron: '*/30 * * * *',
};

export function resolveDeliveryConfig(input: DeliveryConfigInput = {}): DeliveryConfig {
  const d = DELIVERY_DEFAULTS;
  return {
    retry: { ...d.retry, ...input.retry },
    breaker: { ...d.breaker, ...input.breaker },
    authProbeSeconds: input.authProbeSeconds ?? d.authProbeSeconds,
    feedPollSeconds: input.feedPollSeconds ?? d.feedPollSeconds,
    feedMaxPollSeconds: input.feedMaxPollSeconds ?? d.feedMaxPollSeconds,
    feedTimeoutHours: input.feedTimeoutHours ?? d.feedTimeoutHours,
    feedSlotWaitSeconds: input.feedSlotWaitSeconds ?? d.feedSlotWaitSeconds,
  };
}

export function resolveReconciliationConfig(input: ReconciliationConfigInput = {}): ReconciliationConfig {
  return { ...RECONCILIATION_DEFAULTS, ...input };
}
