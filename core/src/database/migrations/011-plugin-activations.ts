import type { Migration } from './types.js';

export const migration: Migration = {
  version: 11,
  name: 'plugin activations: which runtime process activated which integration of a plugin (connector plugin list)',
  sql: `
      -- One row per plugin integration (marketplace × store) and runtime process: written when the
      -- integration is activated (its first work) and when the runtime deactivates it (shutdown,
      -- reload). A runtime killed without shutdown leaves 'active' rows; the next runtime on the same
      -- host marks those of dead processes 'gone'.
      create table plugin_activations (
        marketplace    text not null,
        store          text not null,
        runtime        text not null,
        plugin         text not null,
        version        text not null,
        state          text not null check (state in ('active', 'deactivated', 'failed', 'gone')),
        activated_at   timestamptz,
        deactivated_at timestamptz,
        last_error     text,
        updated_at     timestamptz not null default now(),
        primary key (marketplace, store, runtime)
      );
    `,
};
