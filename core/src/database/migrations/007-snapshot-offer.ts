import type { Migration } from './types.js';

/**
 * Throughput (issue 10): an offer-only refresh (StockModified / PriceModified: the simulation is
 * re-read, the catalog data kept) writes only the new offer beside the stored snapshot instead of
 * rewriting the whole catalog document, and the refresh reads what it needs of the previous
 * snapshot from small columns. The snapshot a stage reads is `snapshot || offer_refresh`.
 */
export const migration: Migration = {
  version: 7,
  name: 'snapshot offers refreshed apart from the catalog document',
  sql: `
      -- {fetchedAt, offer, salesChannel, refresh} of the latest offer-only refresh since the last full
      -- read; null right after a full read (the document holds everything then).
      alter table sku_snapshots add column offer_refresh jsonb;
      -- Whether VTEX knew the SKU at the last full read (an offer-only refresh needs the catalog data).
      alter table sku_snapshots add column has_sku boolean generated always as (jsonb_typeof(snapshot->'sku') = 'object') stored;
    `,
};
