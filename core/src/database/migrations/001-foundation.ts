import type { Migration } from './types.js';

export const migration: Migration = {
  version: 1,
  name: 'stores, notifications inbox, snapshots, state and id mapping',
  sql: `
      create table stores (
        account       text primary key,
        affiliate_id  text not null,
        sales_channel integer not null,
        source        text not null default 'config',
        created_at    timestamptz not null default now(),
        updated_at    timestamptz not null default now()
      );

      create table integrations (
        store             text not null references stores(account) on delete cascade,
        marketplace       text not null,
        enabled           boolean not null default true,
        minimum_stock     integer not null default 0,
        category_mappings jsonb not null default '{}',
        updated_at        timestamptz not null default now(),
        primary key (store, marketplace)
      );

      -- Durable inbox: the webhook answers 2xx only once its row is committed here.
      create table notifications (
        id            bigserial primary key,
        store         text not null,
        sku_id        text not null,
        payload       jsonb not null,
        request_id    text not null,
        received_at   timestamptz not null default now(),
        claimed_until timestamptz,
        dispatched_at timestamptz
      );
      create index notifications_undispatched on notifications (id) where dispatched_at is null;
      create index notifications_by_sku on notifications (store, sku_id, received_at desc);

      -- The last VTEX truth read for a SKU (catalog + product + simulation), shared by every marketplace.
      create table sku_snapshots (
        store      text not null,
        sku_id     text not null,
        snapshot   jsonb not null,
        fetched_at timestamptz not null default now(),
        primary key (store, sku_id)
      );

      create table sku_state (
        store           text not null,
        marketplace     text not null,
        sku_id          text not null,
        status          text not null,
        attempts        integer not null default 0,
        last_attempt_at timestamptz,
        last_request    jsonb,
        last_response   jsonb,
        marketplace_id  text,
        fixes           jsonb not null default '[]',
        -- desired_*: what the marketplace should hold now (written by marketplace-sync);
        -- delivered_hash: what it was last confirmed to hold (written by delivery).
        desired_payload jsonb,
        desired_hash    text,
        delivered_hash  text,
        request_id      text,
        updated_at      timestamptz not null default now(),
        primary key (store, marketplace, sku_id)
      );
      create index sku_state_by_status on sku_state (store, marketplace, status);

      create table id_mappings (
        store          text not null,
        marketplace    text not null,
        sku_id         text not null,
        marketplace_id text not null,
        created_at     timestamptz not null default now(),
        updated_at     timestamptz not null default now(),
        primary key (store, marketplace, sku_id)
      );
      create unique index id_mappings_by_remote on id_mappings (store, marketplace, marketplace_id);
    `,
};
