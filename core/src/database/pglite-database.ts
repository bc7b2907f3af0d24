import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { fromPglite, type Db as BossDb } from 'pg-boss';
import type { Database, Queryable } from './database.js';

/**
 * The embedded default: PostgreSQL in WASM, one connection inside this process.
 * PGlite serialises queries and transactions itself, so a transaction here cannot interleave
 * with pg-boss's own statements.
 */
export class PgliteDatabase implements Database {
  readonly kind = 'pglite' as const;
  readonly bossSchema: string;

  private constructor(
    private readonly pglite: PGlite,
    readonly schema: string,
  ) {
    this.bossSchema = `${schema}_boss`;
  }

  static async open(dataDir: string, schema: string, loadDataDir?: Blob): Promise<PgliteDatabase> {
    if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
    const pglite = await PGlite.create(dataDir, loadDataDir ? { loadDataDir } : {});
    await pglite.exec(`create schema if not exists ${schema}; set search_path to ${schema}, public;`);
    return new PgliteDatabase(pglite, schema);
  }

  async query<R>(text: string, params?: unknown[]): Promise<R[]> {
    return (await this.pglite.query<R>(text, params)).rows;
  }

  async exec(script: string): Promise<void> {
    await this.pglite.exec(script);
  }

  async transaction<T>(fn: (tx: Queryable & { bossDb: BossDb }) => Promise<T>): Promise<T> {
    return this.pglite.transaction(async (t) => {
      const tx = {
        query: async <R>(text: string, params?: unknown[]) => (await t.query<R>(text, params)).rows,
        exec: async (script: string) => void (await t.exec(script)),
        bossDb: { executeSql: (text: string, values?: unknown[]) => t.query(text, values) } as BossDb,
      };
      return fn(tx);
    });
  }

  bossOptions() {
    return { db: fromPglite(this.pglite), backend: 'pglite', schema: this.bossSchema };
  }

  /** A tarball of the whole data dir; tests load it to skip a cold create. */
  dump(): Promise<Blob> {
    return this.pglite.dumpDataDir('none') as Promise<Blob>;
  }

  async ping() {
    await this.pglite.query('select 1');
  }

  async close() {
    if (!this.pglite.closed) await this.pglite.close();
  }
}
