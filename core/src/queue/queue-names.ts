/**
 * Queue names: one queue per stage and store, and per marketplace where it matters, as the VTEX
 * guide recommends ("individual queues by context and store"). pg-boss allows [\w.-/] in names.
 */
export const QueueNames = {
  skuRefresh: (store: string) => `sku-refresh.${store}`,
  marketplaceSync: (store: string, marketplace: string) => `marketplace-sync.${store}.${marketplace}`,
  delivery: (store: string, marketplace: string) => `delivery.${store}.${marketplace}`,
  deadLetter: (store: string, marketplace: string) => `dead-letter.${store}.${marketplace}`,
};
