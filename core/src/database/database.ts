import type { Db as BossDb } from 'pg-boss';

/** Anything SQL can be sent to: the database itself or an open transaction. */
export interface Queryable {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  /** Runs a script of several statements (no parameters): migrations. */
  exec(script: string): Promise<void>;
}

/**
 * The one database interface all of the project's SQL goes through. Two implementations:
 * `PgDatabase` (a `pg` pool, when DATABASE_URL is set) and `PgliteDatabase` (the embedded default).
 */
export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Schema holding the connector's own tables. */
  readonly schema: string;
  /** Schema holding pg-boss's tables. */
  readonly bossSchema: string;
  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable & { bossDb: BossDb }) => Promise<T>): Promise<T>;
  /** Options for `new PgBoss(...)` that put pg-boss on this same database. */
  bossOptions(): Record<string, unknown>;
  /** Cheap liveness probe used by /ready. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres:// URL. When absent the embedded PGlite database is used. */
  url?: string;
  /** PGlite data directory; `memory://` keeps it in memory (tests). */
  dataDir?: string;
  /** Schema for the connector's tables (default `connector`); pg-boss uses `<schema>_boss`. */
  schema?: string;
  /** Pool size for `pg`. */
  poolSize?: number;
}

export const DEFAULT_SCHEMA = 'connector';
export const DEFAULT_DATA_DIR = './.connector/data';

export function assertSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(schema)) {
    throw new Error(`Invalid schema name "${schema}": use lowercase letters, digits and underscores (max 41 characters).`);
  }
  return schema;
}
