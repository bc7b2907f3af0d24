import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PgBoss } from 'pg-boss';
import { MIGRATIONS, PgDatabase, PgliteDatabase, migrate, type Database } from '@connector/core';

export interface TestDatabase {
  db: Database;
  /** Options a child process needs to open the same database (env vars). */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const cacheDir = join(root, 'node_modules/.cache/connector-test');

/**
 * A database of its own for one test file: a fresh schema pair on Postgres when DATABASE_URL is set,
 * otherwise an in-memory PGlite loaded from a migrated template (0.7 s instead of a 5 s cold create).
 */
export async function openTestDatabase(): Promise<TestDatabase> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const schema = `t_${randomBytes(5).toString('hex')}`;
    const db = new PgDatabase(url, schema, 5);
    await migrate(db);
    return {
      db,
      env: { DATABASE_URL: url, CONNECTOR_DB_SCHEMA: schema },
      async cleanup() {
        await db.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
        await db.query(`drop schema if exists ${schema}_boss cascade`).catch(() => undefined);
        await db.close();
      },
    };
  }
  const db = await PgliteDatabase.open('memory://', 'connector', await pgliteTemplate());
  return { db, env: {}, cleanup: () => db.close() };
}

/** Migrated PGlite data dir with pg-boss installed, built once per schema version and cached on disk. */
async function pgliteTemplate(): Promise<Blob> {
  // Keyed by the migrations' content, not only the highest version: merging or editing a migration
  // must never reuse a template built without it.
  const key = createHash('sha256').update(MIGRATIONS.map((m) => `${m.version}\0${m.sql}`).join('\0')).digest('hex').slice(0, 16);
  const file = join(cacheDir, `pglite-template-v${Math.max(...MIGRATIONS.map((m) => m.version))}-${key}.tar`);
  if (existsSync(file)) return new Blob([readFileSync(file)]);
  const db = await PgliteDatabase.open('memory://', 'connector');
  await migrate(db);
  const boss = new PgBoss(db.bossOptions() as ConstructorParameters<typeof PgBoss>[0]);
  boss.on('error', () => undefined);
  await boss.start();
  await boss.stop({ graceful: false });
  const blob = await db.dump();
  await db.close();
  mkdirSync(cacheDir, { recursive: true });
  // Write to a temporary name first: two test workers may build it at once.
  const tmp = `${file}.${process.pid}`;
  writeFileSync(tmp, Buffer.from(await blob.arrayBuffer()));
  (await import('node:fs')).renameSync(tmp, file);
  return blob;
}
