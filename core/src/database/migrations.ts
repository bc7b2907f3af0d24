import { Errors } from '../errors/errors.js';
import type { Database } from './database.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The connector's own schema, one entry per version. Never edit a released entry: add a new one.
 * (pg-boss migrates its own schema itself when it starts.)
 */
export const MIGRATIONS: Migration[] = [
  {
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
  },
];

export interface MigrationReport {
  applied: number[];
  current: number;
}

/** Applies pending migrations in order, in one transaction, serialised across processes by an advisory lock. */
export async function migrate(db: Database, migrations: Migration[] = MIGRATIONS): Promise<MigrationReport> {
  const applied: number[] = [];
  const lockKey = `connector-migrate:${db.schema}`;
  return db.transaction(async (tx) => {
    // One migrator at a time per schema, whichever process gets here first.
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', [lockKey]);
    await tx.query(`create schema if not exists ${db.schema}`);
    await tx.query(
      `create table if not exists ${db.schema}.schema_migrations (
         version integer primary key, name text not null, applied_at timestamptz not null default now())`,
    );
    const done = new Set(
      (await tx.query<{ version: number }>(`select version from ${db.schema}.schema_migrations`)).map((r) => r.version),
    );
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      try {
        await tx.query(`set local search_path to ${db.schema}, public`);
        await tx.exec(m.sql);
        await tx.query(`insert into ${db.schema}.schema_migrations (version, name) values ($1, $2)`, [m.version, m.name]);
      } catch (error) {
        throw Errors.migrationFailed(m.version, (error as Error).message);
      }
      applied.push(m.version);
    }
    const current = Math.max(0, ...done, ...applied);
    return { applied, current };
  });
}
