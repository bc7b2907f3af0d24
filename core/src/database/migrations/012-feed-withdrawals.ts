import type { Migration } from './types.js';

/**
 * Feed marketplaces (issue 7): a lot item may be a withdrawal (block or remove the item) instead of a
 * payload to send — its payload is `{}` and its hash the withdrawal's desired hash; and a lot remembers
 * when an item last joined it, so a lot whose items have stopped coming is sent before maxWaitMs.
 */
export const migration: Migration = {
  version: 12,
  name: 'feed lot items may withdraw an item; lots know when they last grew',
  sql: `
      alter table lot_items add column withdraw boolean not null default false;
      alter table lots add column last_item_at timestamptz;
    `,
};
