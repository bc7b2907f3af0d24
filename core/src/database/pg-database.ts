import pg from 'pg';
import type { Db as BossDb } from 'pg-boss';
import type { Database, Queryable } from './database.js';

// Postgres `bigint` (int8) and `numeric` come back as strings by default; our counters fit in a double.
pg.types.setTypeParser(20, (v) => Number(v));

export class PgDatabase implements Database {
  readonly kind = 'postgres' as const;
  readonly bossSchema: string;
  private readonly pool: pg.Pool;

  constructor(
    private readonly url: string,
    readonly schema: string,
    poolSize = 10,
  ) {
    this.bossSchema = `${schema}_boss`;
    this.pool = new pg.Pool({
      connectionString: url,
      max: poolSize,
      // Our tables live in `schema`; unqualified names resolve there first.
      options: `-c search_path=${schema},public`,
      application_name: 'connector',
    });
    // An idle client losing its connection (database restart) must not crash the process;
    // the pool replaces it and the next query reports the failure to its caller.
    this.pool.on('error', () => undefined);
  }

  async query<R>(text: string, params?: unknown[]): Promise<R[]> {
    const result = await this.pool.query(text, params as unknown[]);
    return result.rows as R[];
  }

  async exec(script: string): Promise<void> {
    await this.pool.query(script);
  }

  async transaction<T>(fn: (tx: Queryable & { bossDb: BossDb }) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // pg-pool takes its idle 'error' listener off a client while it is checked out: a connection that drops
    // between two statements of the transaction (database restarted) would emit 'error' with nobody
    // listening, and end the process. Keep the reason; the statements fail on their own, and the client is
    // released with the error so the pool discards it instead of handing a dead connection to the next caller.
    let broken: Error | undefined;
    const onError = (error: Error) => {
      broken ??= error;
    };
    client.on('error', onError);
    const tx = {
      query: async <R>(text: string, params?: unknown[]) => (await client.query(text, params as unknown[])).rows as R[],
      exec: async (script: string) => void (await client.query(script)),
      bossDb: { executeSql: (text: string, values?: unknown[]) => client.query(text, values as unknown[]) } as BossDb,
    };
    try {
      await client.query('BEGIN');
      const result = await fn(tx);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken ??= rollbackError; // a connection that cannot roll back is not handed out again
      });
      throw error;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  bossOptions() {
    return { connectionString: this.url, schema: this.bossSchema, max: 10, application_name: 'connector-boss' };
  }

  async ping() {
    await this.pool.query('select 1');
  }

  async close() {
    await this.pool.end();
  }
}
