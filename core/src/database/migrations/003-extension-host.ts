import type { Migration } from './types.js';

export const migration: Migration = {
  version: 3,
  name: 'extension host: plugin-scoped key/value state and plugin health (quarantine)',
  sql: `
      -- ctx.state: one key space per plugin (marketplace) and integration (store).
      create table plugin_state (
        marketplace text not null,
        store       text not null,
        key         text not null,
        value       jsonb not null,
        expires_at  timestamptz,
        updated_at  timestamptz not null default now(),
        primary key (marketplace, store, key)
      );
      create index plugin_state_expiry on plugin_state (expires_at) where expires_at is not null;

      -- A plugin that used up its crash budget: its integrations stay paused (jobs wait in their
      -- queues) until it is released or a different version is installed. Read by the admin API.
      create table plugin_health (
        marketplace    text primary key,
        plugin         text not null,
        version        text not null,
        status         text not null check (status in ('quarantined', 'released')),
        reason         text,
        crashes        jsonb not null default '[]',
        quarantined_at timestamptz,
        released_at    timestamptz,
        updated_at     timestamptz not null default now()
      );
    `,
};
