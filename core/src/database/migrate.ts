import { Errors } from '../errors/errors.js';
import type { Database } from './database.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';

export { MIGRATIONS, type Migration };

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
