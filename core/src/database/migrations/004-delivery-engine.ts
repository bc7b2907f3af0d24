import type { Migration } from './types.js';

export const migration: Migration = {
  version: 4,
  name: 'delivery engine: rate budgets, breakers, pauses, publish intents, lots, initial loads, reconciliation',
  sql: `
      -- One rate budget per store × marketplace × operation, shared by every runtime process (GCRA:
      -- each call reserves the next free slot; tat is the theoretical arrival time of the next call).
      create table rate_budgets (
        store         text not null,
        marketplace   text not null,
        operation     text not null,
        rate          double precision not null,           -- calls per second, as enforced
        capacity      double precision not null,           -- burst
        tat           timestamptz not null default clock_timestamp(),
        -- slow-down after a 429: the rate is multiplied by it; it recovers towards 1 over time
        factor        double precision not null default 1,
        factor_at     timestamptz not null default clock_timestamp(),
        granted       bigint not null default 0,
        rate_limited  bigint not null default 0,
        last_rate_limited_at timestamptz,
        primary key (store, marketplace, operation)
      );

      -- Circuit breaker per store × marketplace.
      create table circuit_breakers (
        store                text not null,
        marketplace          text not null,
        state                text not null default 'closed',   -- closed | open | half-open
        consecutive_failures integer not null default 0,
        -- openings since the last close: each one doubles the wait before the next probe
        openings             integer not null default 0,
        opened_at            timestamptz,
        open_until           timestamptz,
        probe_until          timestamptz,                      -- lease of the process probing
        last_error           text,
        last_failure_at      timestamptz,
        last_success_at      timestamptz,
        updated_at           timestamptz not null default now(),
        primary key (store, marketplace)
      );

      -- Auth contingency: an integration whose credentials the marketplace refuses is paused.
      create table integration_pauses (
        store         text not null,
        marketplace   text not null,
        paused        boolean not null default false,
        reason        text,
        paused_at     timestamptz,
        resumed_at    timestamptz,
        next_probe_at timestamptz,
        probe_until   timestamptz,
        primary key (store, marketplace)
      );

      -- A create sent without its answer recorded yet: before creating again, look the item up.
      create table publish_intents (
        store       text not null,
        marketplace text not null,
        sku_id      text not null,
        started_at  timestamptz not null default now(),
        primary key (store, marketplace, sku_id)
      );

      -- Lots (feeds) for batch marketplaces, kept as history.
      create table lots (
        id           bigserial primary key,
        store        text not null,
        marketplace  text not null,
        operation    text not null,      -- product | offer | upsert
        status       text not null,      -- open | sealed | submitting | submitted | done | failed
        item_count   integer not null default 0,
        bytes        integer not null default 0,
        feed_ref     text,
        submit_job   text,               -- the lot-submit job that holds it while submitting
        polls        integer not null default 0,
        accepted     integer,
        rejected     integer,
        error        text,
        created_at   timestamptz not null default now(),
        sealed_at    timestamptz,
        submitted_at timestamptz,
        finished_at  timestamptz
      );
      create index lots_open on lots (store, marketplace, operation) where status = 'open';
      create index lots_by_integration on lots (store, marketplace, id desc);

      create table lot_items (
        lot_id         bigint not null references lots(id) on delete cascade,
        sku_id         text not null,
        payload        jsonb not null,
        payload_hash   text not null,
        bytes          integer not null,
        marketplace_id text,
        outcome        text,             -- accepted | rejected | missing
        message        text,
        primary key (lot_id, sku_id)
      );
      create index lot_items_by_sku on lot_items (sku_id, lot_id);

      -- Initial loads: every SKU of the trade policy, listed page by page, resumable.
      create table initial_loads (
        id          bigserial primary key,
        store       text not null,
        marketplace text not null,
        status      text not null,       -- listing | running | done | cancelled
        next_page   integer not null default 1,
        page_size   integer not null,
        listed      integer not null default 0,
        created_at  timestamptz not null default now(),
        listed_at   timestamptz,
        finished_at timestamptz
      );
      create unique index initial_loads_one_active on initial_loads (store, marketplace) where status in ('listing', 'running');
      create table initial_load_skus (
        load_id bigint not null references initial_loads(id) on delete cascade,
        sku_id  text not null,
        primary key (load_id, sku_id)
      );

      -- Reconciliation: each run, and each drift found (what the marketplace held vs what it should).
      create table reconciliation_runs (
        id          bigserial primary key,
        store       text not null,
        marketplace text,                -- null for the VTEX refresh, which is per store
        kind        text not null,       -- hot | full | refresh
        status      text not null,       -- running | done | failed | skipped
        checked     integer not null default 0,
        drifted     integer not null default 0,
        error       text,
        started_at  timestamptz not null default now(),
        finished_at timestamptz
      );
      create table reconciliation_drifts (
        id          bigserial primary key,
        run_id      bigint not null references reconciliation_runs(id) on delete cascade,
        store       text not null,
        marketplace text,
        sku_id      text not null,
        kind        text not null,       -- marketplace | missing | vtex
        hot_rank    integer,             -- position among the best sellers, when it is one
        fields      jsonb not null default '{}',
        detected_at timestamptz not null default clock_timestamp()
      );
      create index reconciliation_drifts_by_sku on reconciliation_drifts (store, marketplace, sku_id, detected_at desc);

      -- Best sellers are ranked by recent stock notifications.
      create index notifications_by_store_time on notifications (store, received_at);
    `,
};
