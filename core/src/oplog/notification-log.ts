import { Operations } from './codes.js';
import type { OperationLogEntry } from './operation-log.js';

/**
 * Step a of VTEX's guide fails (the notification's `An` is no store this runtime serves): the
 * notification is dropped and an error is logged under that account, so whoever owns it can see why.
 */
export function unknownStoreLog(account: string, skuId: string, requestId: string): OperationLogEntry {
  return {
    store: account,
    skuId,
    requestId,
    status: 'Error',
    operation: Operations.notification,
    direction: 'VTEX to connector',
    contentSource: { An: account, IdSku: skuId },
    businessMessage: `Notification for SKU ${skuId} dropped: "${account}" (An) is not a store this connector serves. Add the store to the configuration, or remove this affiliate in VTEX.`,
  };
}
