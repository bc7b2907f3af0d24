/**
 * Queue names: one queue per stage and store, and per marketplace where it matters, as the VTEX
 * guide recommends ("individual queues by context and store"). pg-boss allows [\w.-/] in names.
 */
export const QueueNames = {
  skuRefresh: (store: string) => `sku-refresh.${store}`,
  marketplaceSync: (store: string, marketplace: string) => `marketplace-sync.${store}.${marketplace}`,
  delivery: (store: string, marketplace: string) => `delivery.${store}.${marketplace}`,
  deadLetter: (store: string, marketplace: string) => `dead-letter.${store}.${marketplace}`,
  /** Feed marketplaces: sealed lots waiting to be submitted. */
  lotSubmit: (store: string, marketplace: string) => `lot-submit.${store}.${marketplace}`,
  /** Feed marketplaces: submitted lots being polled until the marketplace has processed them. */
  feedStatus: (store: string, marketplace: string) => `feed-status.${store}.${marketplace}`,
  /** Initial loads: one job per page of the trade policy's SKU list. */
  initialLoad: () => 'initial-load',
  /** Scheduled reconciliation and VTEX refresh (pg-boss cron), one schedule per integration and kind. */
  reconcile: () => 'reconcile',
};
