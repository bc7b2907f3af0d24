// The runtime under test, as users run it: `connector serve` in a process of its own, on Postgres (DATABASE_URL, a
// fresh schema pair named after the bench, dropped afterwards, and a unique application_name so its backends can be
// told from other users') or on PGlite (a temporary data dir, deleted afterwards).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PgDatabase, PgliteDatabase } from '@connector/core';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = join(ROOT, 'cli/dist/bin.js');

export async function freePort() {
  const server = createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

/** Where the runtime's data lives for this bench run. */
export function benchDatabase(name) {
  const id = `${name}_${randomBytes(3).toString('hex')}`;
  const work = mkdtempSync(join(tmpdir(), `connector-${name}-`));
  const base = process.env.DATABASE_URL;
  if (base) {
    const url = new URL(base);
    url.searchParams.set('application_name', id);
    return {
      kind: 'postgres',
      work,
      applicationName: id,
      env: { DATABASE_URL: url.href, CONNECTOR_DB_SCHEMA: id },
      args: [],
      /** The bench's own connection (not counted with the runtime's backends). */
      open: () => new PgDatabase(base, id, 2),
      async drop() {
        const db = new PgDatabase(base, id, 1);
        await db.query(`drop schema if exists ${id} cascade`).catch(() => undefined);
        await db.query(`drop schema if exists ${id}_boss cascade`).catch(() => undefined);
        await db.close();
        rmSync(work, { recursive: true, force: true });
      },
    };
  }
  const dataDir = join(work, 'data');
  return {
    kind: 'pglite',
    work,
    env: {},
    args: ['--data-dir', dataDir],
    /** Only once the runtime has stopped: PGlite is one process's database. */
    open: async () => {
      // A data dir written with pg_stat_statements preloaded (runtime-process.mjs) needs it to open again.
      if (!readFileSync(join(dataDir, 'postgresql.conf'), 'utf8').includes('pg_stat_statements')) return PgliteDatabase.open(dataDir, 'connector');
      const { pg_stat_statements } = await import('@electric-sql/pglite/contrib/pg_stat_statements');
      const pglite = await PGlite.create(dataDir, { extensions: { pg_stat_statements } });
      await pglite.exec('set search_path to connector, public');
      return new PgliteDatabase(pglite, 'connector');
    },
    async drop() {
      if (process.env.BENCH_KEEP_DATA) return void process.stderr.write(`data kept in ${dataDir}\n`);
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/**
 * Starts `connector serve` with `config`; resolves once /ready answers. `nodeArgs` go to node (e.g. --cpu-prof).
 */
export async function startRuntime({ config, database, nodeArgs = [], logLevel = 'warn', env = {}, sqlStats }) {
  const file = join(database.work, `config-${randomBytes(3).toString('hex')}.json`);
  writeFileSync(file, JSON.stringify(config));
  const port = await freePort();
  // With sqlStats (a file), the same runtime started by runtime-process.mjs, which records per-statement SQL figures.
  const args = sqlStats
    ? [join(ROOT, 'bench/support/runtime-process.mjs'), file, String(port), ...(database.kind === 'pglite' ? [database.args[1]] : [])]
    : [CLI, 'serve', '--config', file, '--port', String(port), '--host', '127.0.0.1', ...database.args];
  const child = spawn(process.execPath, [...nodeArgs, ...args], {
    env: { ...process.env, ...database.env, CONNECTOR_LOG_LEVEL: logLevel, ...(sqlStats ? { BENCH_SQL_STATS: sqlStats } : {}), ...env },
    // Its log lines go to our stderr: stdout holds only the bench's JSON.
    stdio: ['ignore', 2, 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const address = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`connector serve exited (${child.exitCode}) before it was ready`);
    const ok = await fetch(`${address}/ready`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error('connector serve was not ready within 120 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    pid: child.pid,
    address,
    exited,
    /** With sqlStats: starts the statement figures afresh / writes them to the sqlStats file. */
    signal: (name) => child.kill(name),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
