import type { Migration } from './types.js';

export const migration: Migration = {
  version: 5,
  name: 'admin: integration settings edited through the admin API (secrets encrypted), activity counters',
  sql: `
      -- What the admin API changed, per integration. The config file stays the seed: each column (or
      -- settings key) set here wins over the config's value until it is reset; null / absent keys
      -- fall back to the config. Read by every runtime process (polled by revision).
      -- Revisions only ever grow (also across a reset and a new save), so a process never mistakes an
      -- older row it read for a newer one.
      create sequence integration_overrides_revision;
      create table integration_overrides (
        store         text not null,
        marketplace   text not null,
        enabled       boolean,
        minimum_stock integer check (minimum_stock >= 0),
        -- non-secret settings: key → value
        settings      jsonb not null default '{}',
        -- secret settings (the plugin marks them x-secret): key → AES-256-GCM envelope, never plaintext
        secrets       jsonb not null default '{}',
        revision      bigint not null default nextval('integration_overrides_revision'),
        -- the name of the admin token that made the last change (never the token)
        updated_by    text,
        updated_at    timestamptz not null default now(),
        primary key (store, marketplace)
      );

      -- Per-minute counters of events that leave no row elsewhere (429s from marketplaces), for the
      -- admin UI's activity charts; notifications, updates and errors are counted from their tables.
      create table activity_counts (
        store       text not null,
        marketplace text not null,
        kind        text not null,
        minute      timestamptz not null,
        count       integer not null default 0,
        primary key (store, marketplace, kind, minute)
      );
      create index activity_counts_by_time on activity_counts (minute);
    `,
};
