#!/usr/bin/env node
// bench/ingest: how fast the real webhook takes notifications in, next to the two obvious
// alternatives, in one run against one database:
//   webhook  — POST /api/notification (buildServer): parse, authenticate, group-committed inbox
//   insert   — POST /bench/insert: same parse + auth, then one INSERT per request
//   bossSend — POST /bench/boss-send: same parse + auth, then one boss.send() per request
// The server (one ingest-only runtime, workers off) runs in this process; the load comes from a
// second process (load.mjs, autocannon). Prints one JSON object on stdout; progress goes to stderr.
// Exits 0 whatever the timings; 1 only when something is broken (non-2xx answers, rows lost).
//
//   npm run bench:ingest -- [--duration 10] [--warmup 3] [--connections 50] [--rounds 1]
//   DATABASE_URL=postgres://… npm run bench:ingest      (real Postgres; default: PGlite in a temp dir)
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { ConnectorRuntime, openDatabase, parseConfig } from '@connector/core';
import { buildServer } from '@connector/server';
import { FakeVtex } from '@connector/fakes';
import { BENCH_TABLE, comparisonRoutes, prepareComparisonTargets } from './comparison-routes.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const TOKEN = 'bench-webhook-token';
const TARGETS = { webhookVsInsert: 1.0, webhookVsBossSend: 3.0, p99Ms: 25 };

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '1' },
    skus: { type: 'string', default: '2000' },
    routes: { type: 'string', default: 'webhook,insert,bossSend' },
  },
});
const { routes: routeList, ...numeric } = values;
const opt = Object.fromEntries(Object.entries(numeric).map(([k, v]) => [k, positiveNumber(k, v)]));

const ROUTES = {
  webhook: `/api/notification?token=${TOKEN}`,
  insert: `/bench/insert?token=${TOKEN}`,
  bossSend: `/bench/boss-send?token=${TOKEN}`,
  // Not run by default: the server's ceiling without any write, to tell HTTP cost from database cost.
  validateOnly: `/bench/validate-only?token=${TOKEN}`,
};
const names = routeList.split(',').map((n) => n.trim()).filter(Boolean);
const unknown = names.filter((n) => !ROUTES[n]);
if (unknown.length || !names.length) {
  process.stderr.write(`--routes: unknown route(s) "${unknown.join(', ')}"; give a comma-separated list of ${Object.keys(ROUTES).join(', ')}\n`);
  process.exit(2);
}

const tmp = mkdtempSync(join(tmpdir(), 'connector-bench-ingest-'));
const schema = `bench_${randomBytes(4).toString('hex')}`;
const log = pino({ level: 'warn', base: { service: 'bench-ingest' } }, pino.destination(2));
const progress = (line) => process.stderr.write(`[bench:ingest] ${line}\n`);

let vtex, db, runtime, app;
let exitCode = 0;
try {
  // A realistic VTEX store and realistic notification bodies (PascalCase, as VTEX sends them).
  vtex = await FakeVtex.start({ account: 'benchstore' });
  const skus = vtex.seed(opt.skus, { salesChannel: 1 });
  const bodiesFile = join(tmp, 'bodies.json');
  writeFileSync(bodiesFile, JSON.stringify(skus.map((s, i) => JSON.stringify(vtex.notificationPayload(s.id, { StockModified: i % 2 === 0, PriceModified: i % 3 === 0 })))));

  // The database under test: DATABASE_URL (a fresh schema pair, dropped afterwards) or PGlite in tmp.
  db = await openDatabase({ schema, dataDir: join(tmp, 'pglite') });
  const config = parseConfig({
    stores: [
      {
        account: vtex.account,
        webhookToken: TOKEN,
        vtex: { baseUrl: vtex.url, appKey: vtex.appKey, appToken: vtex.appToken, affiliateId: 'CNT', salesChannel: 1 },
        integrations: [],
      },
    ],
  });
  runtime = await ConnectorRuntime.create({ config, database: db, logger: log, workers: false });
  await runtime.start();
  await prepareComparisonTargets(runtime);

  app = buildServer(runtime);
  app.register(comparisonRoutes, { runtime });
  // What the server answered 2xx, per route, counted as the reply goes out (onSend runs before the
  // write, so a reply cut off by the load generator stopping still counts: its row is committed).
  const answered2xx = { webhook: 0, insert: 0, bossSend: 0, validateOnly: 0 };
  const routeOf = { '/api/notification': 'webhook', '/bench/insert': 'insert', '/bench/boss-send': 'bossSend', '/bench/validate-only': 'validateOnly' };
  app.addHook('onSend', (request, reply, payload, done) => {
    const route = routeOf[request.routeOptions.url];
    if (route && reply.statusCode >= 200 && reply.statusCode < 300) answered2xx[route]++;
    done(null, payload);
  });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });

  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    node: process.version,
    database: db.kind,
    databaseVersion: (await db.query('select version() as v'))[0].v.split(' on ')[0],
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
  };
  progress(`${machine.database} (${machine.databaseVersion}), ${opt.connections} connections, ${opt.duration} s per route, ${opt.rounds} round(s)`);

  // Rounds rotate the order, so no route always runs first (or last, on the biggest tables).
  const perRound = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < opt.rounds; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + round) % names.length];
      const r = await load(`${base}${ROUTES[name]}`, bodiesFile);
      perRound[name].push(r);
      progress(`round ${round + 1} ${name}: ${Math.round(r.reqPerSec)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}`);
    }
  }

  await runtime.inbox.drain();
  const count = async (table) => (await db.query(`select count(*)::int as n from ${table}`))[0].n;
  const acknowledged = (name) => (perRound[name] ?? []).reduce((sum, r) => sum + r.count2xx + r.warmup2xx, 0);
  const durability = (rows, name) => ({
    rows,
    answered2xx: answered2xx[name],
    acknowledged2xx: acknowledged(name),
    // Every 2xx is sent after the commit: rows equal answers exactly, and the load generator can
    // only have seen fewer (replies in flight when it stopped).
    ok: rows === answered2xx[name] && acknowledged(name) <= rows,
  });

  const routes = Object.fromEntries(names.map((n) => [n, summarise(perRound[n])]));
  const ratio = (a, b) => (a && b ? round2(a.reqPerSec / b.reqPerSec) : null);
  const ratios = {
    webhookVsInsert: ratio(routes.webhook, routes.insert),
    webhookVsBossSend: ratio(routes.webhook, routes.bossSend),
  };
  const result = {
    machine,
    connections: opt.connections,
    durationSeconds: opt.duration,
    warmupSeconds: opt.warmup,
    rounds: opt.rounds,
    bodies: { distinct: skus.length, varies: 'IdSku, ProductId, Version, flags (one body per SKU, cycled)' },
    routes,
    ratios,
    targets: TARGETS,
    met: {
      webhookVsInsert: ratios.webhookVsInsert === null ? null : ratios.webhookVsInsert >= TARGETS.webhookVsInsert,
      webhookVsBossSend: ratios.webhookVsBossSend === null ? null : ratios.webhookVsBossSend >= TARGETS.webhookVsBossSend,
      p99Ms: routes.webhook ? routes.webhook.p99 <= TARGETS.p99Ms : null,
    },
    // Group commit at work: how many notifications each INSERT carried (warm-ups included).
    inbox: inboxSummary(runtime.inbox.stats()),
    durability: {
      webhook: durability(await count('notifications'), 'webhook'),
      insert: durability(await count(BENCH_TABLE), 'insert'),
    },
    loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100),
    ...(opt.rounds > 1 && { perRound }),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);

  const broken = [
    ...names.filter((n) => routes[n].non2xx > 0).map((n) => `${n}: ${routes[n].non2xx} non-2xx answers ${JSON.stringify(routes[n].statusCodes)}`),
    ...Object.entries(result.durability).filter(([, d]) => !d.ok).map(([n, d]) => `${n}: ${d.rows} rows for ${d.answered2xx} 2xx answers (${d.acknowledged2xx} seen by the client)`),
  ];
  if (broken.length) {
    progress(`BROKEN:\n  ${broken.join('\n  ')}`);
    exitCode = 1;
  }
} catch (error) {
  process.stderr.write(`[bench:ingest] failed: ${error?.stack ?? error}\n`);
  exitCode = 1;
} finally {
  await app?.close().catch(() => undefined);
  await runtime?.stop().catch(() => undefined);
  if (db?.kind === 'postgres') {
    await db.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
    await db.query(`drop schema if exists ${schema}_boss cascade`).catch(() => undefined);
  }
  await db?.close().catch(() => undefined);
  await vtex?.close().catch(() => undefined);
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(exitCode);

/** One autocannon run (warm-up + measured) from a second process. */
function load(url, bodiesFile) {
  const args = [join(here, 'load.mjs'), '--url', url, '--bodies', bodiesFile, '--connections', String(opt.connections), '--duration', String(opt.duration), '--warmup', String(opt.warmup)];
  const serverCpu0 = process.cpuUsage();
  const machine0 = machineCpuMs();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`load generator exited with ${code}`));
      try {
        const r = JSON.parse(out);
        const { user, system } = process.cpuUsage(serverCpu0);
        const machine = machineCpuMs(machine0);
        const requests = r.count2xx + r.warmup2xx + r.non2xx + r.warmupNon2xx;
        r.cpu = {
          serverUsPerRequest: Math.round((user + system) / requests),
          loadGeneratorUsPerRequest: Math.round(r.cpuMicros / requests),
          // Everything else that ran meanwhile: the database, and whatever else shares the machine.
          restOfMachineUsPerRequest: Math.round(Math.max(0, machine.busy * 1000 - user - system - r.cpuMicros) / requests),
          machineBusyPercent: Math.round((100 * machine.busy) / machine.total),
        };
        resolve(r);
      } catch {
        reject(new Error(`load generator printed no JSON: ${out.slice(0, 500)}`));
      }
    });
  });
}

/** CPU time of the whole machine (all cores) in ms, since `from` when given. */
function machineCpuMs(from) {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    busy += times.user + times.nice + times.sys + times.irq;
    total += times.user + times.nice + times.sys + times.irq + times.idle;
  }
  return from ? { busy: busy - from.busy, total: total - from.total } : { busy, total };
}

/** Across rounds: medians of the rates and latencies, sums of the counts. */
function summarise(runs) {
  const median = (key) => median2(runs.map((r) => r[key]));
  const sum = (key) => runs.reduce((s, r) => s + r[key], 0);
  const statusCodes = {};
  for (const r of runs) for (const [code, n] of Object.entries(r.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
  return {
    reqPerSec: Math.round(median('reqPerSec')),
    p50: median('p50'),
    p90: median('p90'),
    p99: median('p99'),
    max: Math.max(...runs.map((r) => r.max)),
    errors: sum('errors'),
    timeouts: sum('timeouts'),
    non2xx: sum('non2xx') + sum('warmupNon2xx'),
    requests2xx: sum('count2xx'),
    statusCodes,
    cpu: Object.fromEntries(Object.keys(runs[0].cpu).map((k) => [k, median2(runs.map((r) => r.cpu[k]))])),
  };
}

function median2(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

function inboxSummary({ batches, rows }) {
  return { inserts: batches, rows, meanRowsPerInsert: batches ? round2(rows / batches) : null };
}

function round2(x) {
  return Math.round(x * 100) / 100;
}

function positiveNumber(name, raw) {
  const n = Number(raw);
  const fractional = name === 'duration' || name === 'warmup';
  if (!Number.isFinite(n) || n < 0 || (n === 0 && name !== 'warmup') || (!fractional && !Number.isInteger(n))) {
    process.stderr.write(`--${name} must be a ${name === 'warmup' ? 'non-negative' : 'positive'} ${fractional ? 'number' : 'integer'}, got "${raw}"\n`);
    process.exit(2);
  }
  return n;
}
