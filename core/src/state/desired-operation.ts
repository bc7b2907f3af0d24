import { stableStringify } from '../util/hash.js';
import type { SkuStateRow } from './state-repository.js';

/** What marketplace-sync wants the marketplace to hold for a SKU. */
export type DesiredOperation = 'upsert' | 'deactivate' | 'delete';

/** The call delivery makes for a state row, decided from the row alone. */
export type DeliveryPlan =
  | { kind: 'none' }
  | { kind: 'publish' }
  | { kind: 'update'; changed?: string[]; reactivate: boolean }
  | { kind: 'deactivate' }
  | { kind: 'delete' };

/**
 * Publish when the SKU has no id mapping yet, update when it has (saying which fields changed since
 * the payload last confirmed, and whether it comes back from a deactivation), deactivate or delete a
 * withdrawn one — and nothing when the marketplace already holds what is desired, or when the SKU
 * stopped being sendable (invalid, waiting for its category) after the job was queued.
 */
export function planDelivery(row: SkuStateRow | undefined): DeliveryPlan {
  if (!row?.desired_hash || row.desired_hash === row.delivered_hash) return { kind: 'none' };
  if (row.status === 'invalid' || row.status === 'pending-category') return { kind: 'none' };
  switch (row.desired_operation ?? 'upsert') {
    case 'deactivate':
      return row.marketplace_id ? { kind: 'deactivate' } : { kind: 'none' };
    case 'delete':
      return row.marketplace_id ? { kind: 'delete' } : { kind: 'none' };
    default:
      if (!row.desired_payload) return { kind: 'none' };
      if (!row.marketplace_id) return { kind: 'publish' };
      return {
        kind: 'update',
        reactivate: row.delivered_operation === 'deactivate',
        ...(row.delivered_payload ? { changed: changedFields(row.delivered_payload, row.desired_payload) } : {}),
      };
  }
}

/** Top-level fields whose value differs between two payloads (added and removed ones included). */
export function changedFields(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => stableStringify(before[k]) !== stableStringify(after[k])).sort();
}
