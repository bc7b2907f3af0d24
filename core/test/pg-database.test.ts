import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgDatabase } from '@connector/core';
import { PrivatePostgres } from '../../test/support/private-postgres.js';

/**
 * A connection that drops in the middle of a transaction (the database restarted, an administrator ended
 * the session) fails that transaction — and nothing else: the process does not die of pg's unhandled
 * 'error' event, and the pool serves the next caller on a fresh connection. On the shared PostgreSQL when
 * DATABASE_URL is set, else on a PostgreSQL instance of this test's own.
 */
describe('PgDatabase when the connection drops inside a transaction', () => {
  let pg: PrivatePostgres | undefined;
  let db: PgDatabase;
  let admin: PgDatabase;

  beforeAll(async () => {
    const url = process.env.DATABASE_URL ?? (pg = await PrivatePostgres.start()).url;
    db = new PgDatabase(url, 'public', 2);
    admin = new PgDatabase(url, 'public', 1);
  });
  afterAll(async () => {
    await db?.close();
    await admin?.close();
    await pg?.destroy();
  });

  it('rejects that transaction, survives, and the pool works again', async () => {
    const outcome = db.transaction(async (tx) => {
      const [{ pid }] = await tx.query<{ pid: number }>('select pg_backend_pid() as pid');
      // Between two statements, the session is ended from outside: the client is idle, its socket closes.
      await admin.query('select pg_terminate_backend($1)', [pid]);
      await new Promise<void>((resolve) => setImmediate(resolve));
      await tx.query('select 1');
    });
    await expect(outcome).rejects.toThrow();
    // The dead connection was discarded: both pooled connections serve again.
    const answers = await Promise.all([db.query<{ one: number }>('select 1 as one'), db.query<{ one: number }>('select 1 as one')]);
    expect(answers.map(([r]) => r!.one)).toEqual([1, 1]);
    expect(await db.transaction(async (tx) => (await tx.query<{ two: number }>('select 2 as two'))[0]!.two)).toBe(2);
  });
});
