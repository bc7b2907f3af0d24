import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate } from '@connector/core';
import { openTestDatabase, type TestDatabase } from '../../test/support/database.js';

describe('migrations', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await openTestDatabase();
  });
  afterAll(async () => tdb?.cleanup());

  // Numbers are handed out per branch (005 and 006 arrive with other branches than 007), so the list
  // may have a gap until they are merged; it must still be unique and in order, starting at 1.
  it('are numbered from 1, unique and in order', () => {
    const versions = MIGRATIONS.map((m) => m.version);
    expect(versions[0]).toBe(1);
    expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b));
  });

  it('apply once: a second run applies nothing, concurrent runs do not collide', async () => {
    const again = await Promise.all([migrate(tdb.db), migrate(tdb.db)]);
    for (const report of again) expect(report).toEqual({ applied: [], current: Math.max(...MIGRATIONS.map((m) => m.version)) });
    const rows = await tdb.db.query<{ version: number }>(`select version from ${tdb.db.schema}.schema_migrations order by version`);
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('roll back a failing migration entirely and name it', async () => {
    const bad = { version: 999, name: 'broken', sql: 'create table half_done (id int); select no_such_function();' };
    await expect(migrate(tdb.db, [...MIGRATIONS, bad])).rejects.toMatchObject({ code: 'CONNECTOR_ERR_MIGRATION_FAILED', message: expect.stringContaining('999') });
    const [row] = await tdb.db.query<{ n: number }>(`select count(*)::int as n from information_schema.tables where table_name = 'half_done'`);
    expect(row.n).toBe(0);
  });
});
