import type { Migration } from './types.js';

export const migration: Migration = {
  version: 2,
  name: 'pipeline semantics: notification consumption, desired operations, category mappings, policy warnings, operation logs',
  sql: `
      -- A notification is consumed by the SKU refresh that re-read VTEX after it: the flags of every
      -- notification consumed decide what that refresh re-reads, and a burst for one SKU becomes one refresh.
      alter table notifications add column refreshed_at timestamptz;
      -- Rows from before this version were refreshed long ago; the recent ones are read again once (harmless).
      update notifications set refreshed_at = dispatched_at where dispatched_at < now() - interval '1 hour';
      create index notifications_pending_refresh on notifications (store, sku_id) where refreshed_at is null;

      alter table sku_state
        -- the VTEX category the SKU was last evaluated in: adding that category's mapping releases it
        add column vtex_category_id    text,
        -- upsert (publish or update), deactivate (zero stock and block) or delete
        add column desired_operation   text not null default 'upsert',
        -- the offer (price, stock) after merchant policies: the reference of the price-drop guard
        add column desired_offer       jsonb,
        -- what the desired payload was made from (the log's ContentSource) and the policy notes
        add column desired_source      jsonb,
        add column delivered_operation text,
        -- the last upsert payload the marketplace confirmed: updates send only what changed since
        add column delivered_payload   jsonb;
      update sku_state set delivered_operation = 'upsert', delivered_payload = desired_payload
        where delivered_hash is not null and delivered_hash = desired_hash;
      create index sku_state_by_category on sku_state (store, marketplace, vtex_category_id) where vtex_category_id is not null;

      -- VTEX category → marketplace category, per integration. Supersedes integrations.category_mappings,
      -- which only mirrors the config file: mappings set at runtime live here too.
      create table category_mappings (
        store                   text not null,
        marketplace             text not null,
        vtex_category_id        text not null,
        marketplace_category_id text not null,
        source                  text not null default 'api',
        created_at              timestamptz not null default now(),
        updated_at              timestamptz not null default now(),
        primary key (store, marketplace, vtex_category_id)
      );
      insert into category_mappings (store, marketplace, vtex_category_id, marketplace_category_id, source)
        select i.store, i.marketplace, m.key, m.value, 'config' from integrations i, jsonb_each_text(i.category_mappings) m;

      -- Warnings raised by merchant policies (minimum stock, stock buffer, price-drop guard), one per
      -- store × marketplace × SKU × policy; deleted when the condition clears.
      create table policy_warnings (
        store          text not null,
        marketplace    text not null,
        sku_id         text not null,
        policy         text not null,
        kind           text not null,
        message        text not null,
        details        jsonb not null default '{}',
        raised_at      timestamptz not null default now(),
        updated_at     timestamptz not null default now(),
        -- a reviewer's approval of the held value (price-drop guard)
        approved_value jsonb,
        approved_at    timestamptz,
        primary key (store, marketplace, sku_id, policy)
      );
      create index policy_warnings_by_kind on policy_warnings (store, kind);

      -- Operation logs in VTEX's message format, served at /{account}/logs/ and purged by retention.
      create table operation_logs (
        id                  bigserial primary key,
        store               text not null,
        marketplace         text,
        sku_id              text,
        request_id          text,
        code                text,
        status              text not null,
        operation           text not null,
        direction           text not null,
        content_source      jsonb,
        content_translated  jsonb,
        content_destination jsonb,
        business_message    text not null,
        created_at          timestamptz not null default now()
      );
      create index operation_logs_by_store_time on operation_logs (store, created_at);
      create index operation_logs_by_sku on operation_logs (store, marketplace, sku_id, created_at desc);
    `,
};
