import type { Migration } from './types.js';

/**
 * Feed marketplaces take items off sale too (issue 7): a lot item may be a withdrawal (block or remove
 * the item) instead of a payload to send. Its payload is `{}` and its hash the withdrawal's desired hash.
 */
export const migration: Migration = {
  version: 12,
  name: 'feed lot items may withdraw an item',
  sql: `alter table lot_items add column withdraw boolean not null default false;`,
};
