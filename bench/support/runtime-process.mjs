// What `connector serve` does (create the runtime, start it, serve the webhook), plus per-statement SQL statistics for
// profiling runs: on PGlite the pg_stat_statements extension (PGlite ships it), on Postgres — whose
// shared_preload_libraries a bench may not change — client-side timings of every statement of the `pg` clients
// (the connector's pool and pg-boss's). At SIGTERM the top statements are written to BENCH_SQL_STATS (a file).
//
//   node bench/support/runtime-process.mjs CONFIG PORT [DATA_DIR]
import { appendFileSync, writeFileSync } from 'node:fs';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { pg_stat_statements } from '@electric-sql/pglite/contrib/pg_stat_statements';
import { ConnectorRuntime, PgliteDatabase, createLogger, loadConfigFile } from '@connector/core';
import { buildServer } from '@connector/server';

const [configFile, port, dataDir] = process.argv.slice(2);
const statsFile = process.env.BENCH_SQL_STATS;
const schema = process.env.CONNECTOR_DB_SCHEMA || 'connector';
const normalise = (sql) => sql.replace(/\s+/g, ' ').replace(/\$\d+/g, '$n').trim().slice(0, 240);

/** Client-side statement timings (Postgres): calls, total and mean ms, rows. */
const clientStats = new Map();
if (statsFile && process.env.DATABASE_URL) {
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (config, values, callback) {
    const text = typeof config === 'string' ? config : config?.text;
    if (!text || typeof config?.submit === 'function') return original.call(this, config, values, callback);
    const started = performance.now();
    const params = Array.isArray(values) ? values : Array.isArray(config?.values) ? config.values : [];
    const bytes = text.length + params.reduce((n, v) => n + (typeof v === 'string' ? v.length : 8), 0);
    const record = (r) => {
      const key = normalise(text);
      const s = clientStats.get(key) ?? { calls: 0, totalMs: 0, rows: 0, kbSent: 0 };
      s.calls++;
      s.kbSent += bytes / 1024;
      s.totalMs += performance.now() - started;
      s.rows += r?.rowCount ?? 0;
      clientStats.set(key, s);
    };
    // pg.Pool calls with a callback; transactions and pg-boss without one (a promise).
    if (typeof values === 'function') return original.call(this, config, (e, r) => (record(r), values(e, r)));
    if (typeof callback === 'function') return original.call(this, config, values, (e, r) => (record(r), callback(e, r)));
    const result = original.call(this, config, values);
    return result && typeof result.then === 'function' ? result.then((r) => (record(r), r)) : result;
  };
}

let database;
if (!process.env.DATABASE_URL) {
  const pglite = await PGlite.create(dataDir, statsFile ? { extensions: { pg_stat_statements } } : {});
  await pglite.exec(`create schema if not exists ${schema}; set search_path to ${schema}, public;`);
  if (statsFile) await pglite.exec('create extension if not exists pg_stat_statements with schema public');
  database = new PgliteDatabase(pglite, schema);
} else {
  database = { url: process.env.DATABASE_URL, schema };
}

const config = loadConfigFile(configFile);
const runtime = await ConnectorRuntime.create({ config, database, logger: createLogger({ level: process.env.CONNECTOR_LOG_LEVEL ?? 'warn' }) });
await runtime.start();
const app = buildServer(runtime);
await app.listen({ port: Number(port), host: '127.0.0.1' });

// BENCH_QUEUE_TRACE: every second, one JSON line per queue state (due / future / active / retry) and
// the inbox (not dispatched / not refreshed), to see where work waits.
if (process.env.BENCH_QUEUE_TRACE) {
  const boss = runtime.db.bossSchema;
  setInterval(async () => {
    try {
      const jobs = await runtime.db.query(
        `select name, state, (start_after > now()) as future, count(*)::int as n from ${boss}.job_common
         where state < 'completed' group by 1, 2, 3 order by 1, 2, 3`,
      );
      const [inbox] = await runtime.db.query(
        `select count(*) filter (where dispatched_at is null)::int as undispatched, count(*) filter (where refreshed_at is null)::int as unrefreshed from notifications`,
      );
      appendFileSync(process.env.BENCH_QUEUE_TRACE, `${JSON.stringify({ t: Date.now(), inbox, jobs: jobs.map((j) => `${j.name.split('.')[0]}:${j.state}${j.future ? '(future)' : ''}=${j.n}`) })}\n`);
    } catch (error) {
      appendFileSync(process.env.BENCH_QUEUE_TRACE, `${JSON.stringify({ t: Date.now(), error: String(error) })}\n`);
    }
  }, 1000).unref();
}

async function dumpStats() {
  let rows;
  if (runtime.db.kind === 'pglite') {
    rows = await runtime.db.query(
      `select calls::int, round(total_exec_time::numeric, 1)::float8 as "totalMs", round(mean_exec_time::numeric, 3)::float8 as "meanMs", rows::int, query
       from public.pg_stat_statements order by total_exec_time desc limit 40`,
    );
    rows = rows.map((r) => ({ ...r, query: normalise(r.query) }));
    const [all] = await runtime.db.query('select sum(calls)::int as calls, round(sum(total_exec_time)::numeric)::float8 as "totalMs" from public.pg_stat_statements');
    rows.unshift({ ...all, query: '(all statements)' });
  } else {
    rows = [...clientStats.entries()]
      .map(([query, s]) => ({ calls: s.calls, totalMs: Math.round(s.totalMs), meanMs: Math.round((s.totalMs / s.calls) * 1000) / 1000, rows: s.rows, kbSent: Math.round(s.kbSent), query }))
      .sort((a, b) => b.totalMs - a.totalMs);
    const all = rows.reduce((a, r) => ({ calls: a.calls + r.calls, totalMs: a.totalMs + r.totalMs, kbSent: a.kbSent + r.kbSent }), { calls: 0, totalMs: 0, kbSent: 0 });
    rows = [{ ...all, query: '(all statements, client-side: includes waiting for a connection and the round trip)' }, ...rows.slice(0, 40)];
  }
  writeFileSync(statsFile, JSON.stringify(rows, null, 2));
}

async function resetStats() {
  if (runtime.db.kind === 'pglite') await runtime.db.query('select public.pg_stat_statements_reset()');
  else clientStats.clear();
}

if (statsFile) {
  // The bench resets the figures at the start of a phase (SIGUSR2) and reads them at its end (SIGUSR1).
  process.on('SIGUSR2', () => void resetStats().catch((e) => console.error(e)));
  process.on('SIGUSR1', () => void dumpStats().catch((e) => console.error(e)));
}

const stop = async () => {
  if (statsFile) await dumpStats();
  await app.close();
  await runtime.stop();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
