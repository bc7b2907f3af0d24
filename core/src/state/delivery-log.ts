import { direction, Operations, type OutcomeCode } from '../oplog/codes.js';
import type { OperationLogEntry } from '../oplog/operation-log.js';
import type { StateUpdate } from './state-repository.js';

const OPERATION: Record<string, string> = {
  publish: Operations.offerCreation,
  update: Operations.offerUpdate,
  deactivate: Operations.offerDeactivation,
  delete: Operations.offerDeletion,
};

interface Request {
  operation?: string;
  payload?: unknown;
  changed?: string[];
  reactivate?: boolean;
}

interface Response {
  ok?: boolean;
  code?: string;
  message?: string;
  body?: unknown;
  details?: unknown;
}

/**
 * The operation log entry of a delivery attempt, derived from the state change delivery records —
 * so whichever delivery engine runs, every attempt is logged: S1 when the marketplace took it, E3
 * when it refused the data, E2 when it was unavailable (Pending while retries remain).
 */
export function deliveryLog(update: StateUpdate, source: unknown): OperationLogEntry {
  const request = (update.lastRequest ?? {}) as Request;
  const response = (update.lastResponse ?? {}) as Response;
  const mp = update.marketplace;
  const id = update.marketplaceId;
  const notes = ((source as { notes?: string[] } | null)?.notes ?? []).filter(Boolean);
  const withNotes = (text: string) => (notes.length ? `${text} Policies: ${notes.join('; ')}.` : text);
  let code: OutcomeCode;
  let status: OperationLogEntry['status'];
  let message: string;
  if (update.status === 'synced' || update.status === 'blocked') {
    code = 'S1';
    status = 'Success';
    switch (request.operation) {
      case 'publish':
        message = withNotes(`SKU ${update.skuId} created on ${mp} as ${id}.`);
        break;
      case 'deactivate':
        message = `SKU ${update.skuId} is no longer sellable in VTEX: stock set to 0 and ${id} blocked on ${mp}.`;
        break;
      case 'delete':
        message = `SKU ${update.skuId} is no longer sellable in VTEX and ${mp} cannot block items: ${id ?? 'the item'} deleted and its id mapping removed.`;
        break;
      default: {
        const fields = request.changed?.length ? request.changed.join(', ') : 'all fields';
        message = withNotes(`SKU ${update.skuId} updated on ${mp} (${id}): ${fields}${request.reactivate ? '; back on sale' : ''}.`);
      }
    }
  } else if (update.status === 'failed') {
    code = 'E3';
    status = 'Error';
    message = `SKU ${update.skuId}: ${response.message ?? `${mp} rejected the data`}. Correct it in VTEX; it is sent again on its next change.`;
  } else {
    code = 'E2';
    const dead = update.status === 'dead';
    status = dead ? 'Error' : 'Pending';
    const reason = response.message ?? `${mp} did not answer`;
    message = dead
      ? `SKU ${update.skuId}: ${reason}; still failing after every retry, parked in the dead-letter queue.`
      : `SKU ${update.skuId}: ${reason}; retrying with backoff.`;
  }
  return {
    store: update.store,
    marketplace: mp,
    skuId: update.skuId,
    requestId: update.requestId ?? null,
    code,
    status,
    operation: OPERATION[request.operation ?? ''] ?? Operations.offerUpdate,
    direction: direction(mp),
    contentSource: source ?? null,
    contentTranslated: request.payload ?? null,
    contentDestination: response.ok === false ? { code: response.code, message: response.message, details: response.details ?? null } : (response.body ?? null),
    businessMessage: message,
  };
}
