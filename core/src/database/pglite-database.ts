import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Errors } from '../errors/errors.js';
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
    private readonly lockFile?: string,
  ) {
    this.bossSchema = `${schema}_boss`;
  }

  static async open(dataDir: string, schema: string, loadDataDir?: Blob): Promise<PgliteDatabase> {
    let lockFile: string | undefined;
    if (!dataDir.startsWith('memory://')) {
      mkdirSync(dataDir, { recursive: true });
      lockFile = lock(dataDir);
    }
    try {
      const pglite = await PGlite.create(dataDir, loadDataDir ? { loadDataDir } : {});
      await pglite.exec(`create schema if not exists ${schema}; set search_path to ${schema}, public;`);
      return new PgliteDatabase(pglite, schema, lockFile);
    } catch (error) {
      if (lockFile) rmSync(lockFile, { force: true });
      throw error;
    }
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
    if (this.lockFile) rmSync(this.lockFile, { force: true });
  }
}

/**
 * PGlite is one process's database: a second process opening the same data dir would corrupt it.
 * A pid file beside the data dir says who holds it; a holder that died (even by SIGKILL) no longer
 * counts, so a crashed server never locks its data out.
 */
function lock(dataDir: string): string {
  const file = `${resolve(dataDir)}.lock`;
  let holder: number | undefined;
  try {
    holder = Number(readFileSync(file, 'utf8').trim());
  } catch {
    holder = undefined;
  }
  if (holder && holder !== process.pid && alive(holder)) throw Errors.databaseInUse(dataDir, holder);
  writeFileSync(file, String(process.pid));
  return file;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
