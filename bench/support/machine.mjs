// What a bench report says about where it ran: cores, memory, Node, the database and its version, and the
// load average (a shared machine's figures are what it gave then). One place for every bench that reports it.
import { cpus, loadavg, totalmem } from 'node:os';

/** The load average (1, 5, 15 min), two decimals. */
export const loadAverage = () => loadavg().map((l) => Math.round(l * 100) / 100);

/** `select version()` of DATABASE_URL's server, or `embedded` when the bench runs on PGlite. */
export async function databaseVersion(embedded = 'PGlite (embedded PostgreSQL)') {
  if (!process.env.DATABASE_URL) return embedded;
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    return (await client.query('select version()')).rows[0].version.split(' on ')[0];
  } finally {
    await client.end();
  }
}

/** The machine block of a report, with the load average at its start. */
export async function describeMachine(embedded) {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    database: process.env.DATABASE_URL ? 'postgres' : 'pglite',
    databaseVersion: await databaseVersion(embedded),
    loadAverageAtStart: loadAverage(),
  };
}
