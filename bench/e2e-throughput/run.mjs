// bench/e2e-throughput: SKU updates per second end to end — VTEX notification → webhook (durable inbox) → dispatcher
// → sku-refresh (re-reads the fake VTEX) → marketplace-sync (checks, policies, category, mapping, rules, state and
// operation log) → delivery through the plugin in its isolated host → an unlimited fake Mercado Livre.
//
// Three processes: this one (orchestrator and load generator: it posts the notifications), the fakes (fake VTEX and
// fake Mercado Livre, fakes-process.mjs) and the runtime (`connector serve`, as users run it). CPU is measured per
// process from /proc, plus the runtime's Postgres backends (by application_name), so "updates per CPU-second of the
// connector" is a figure that does not depend on what else the machine is doing.
//
// A run: seed N SKUs, publish them all (HasStockKeepingUnitModified for each: the create phase), then per round and
// scenario change all N in the fake VTEX and send one notification each: `offer` (StockModified + PriceModified: the
// simulation is re-read) and `catalog` (HasStockKeepingUnitModified: SKU, product and simulation re-read). A round
// ends when the marketplace has received N updates. Finally every VTEX SKU is compared with its marketplace item.
//
//   node bench/e2e-throughput/run.mjs [--skus 10000] [--rounds 2] [--scenarios offer,catalog] [--cpu-prof DIR]
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node bench/e2e-throughput/run.mjs
import { parseArgs } from 'node:util';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { CpuMeter, PostgresBackends, loadAverage, processRssMb, round3 } from '../support/cpu.mjs';
import { startFakes } from '../support/fakes.mjs';
import { notifyAll } from '../support/notify.mjs';
import { benchDatabase, startRuntime } from '../support/runtime.mjs';

const { values } = parseArgs({
  options: {
    skus: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '2' },
    scenarios: { type: 'string', default: 'offer,catalog' },
    connections: { type: 'string', default: '32' },
    'cpu-prof': { type: 'string' },
    'sql-stats': { type: 'string' },
    'trace-queues': { type: 'string' },
    'quiet-ms': { type: 'string' },
    concurrency: { type: 'string', default: '64' },
    'max-items': { type: 'string', default: '500' },
    'timeout-s': { type: 'string', default: '600' },
  },
});
const N = Number(values.skus);
const ROUNDS = Number(values.rounds);
const SCENARIOS = values.scenarios.split(',').filter(Boolean);
const CONNECTIONS = Number(values.connections);
const TIMEOUT_MS = Number(values['timeout-s']) * 1000;
const FLAGS = {
  create: { HasStockKeepingUnitModified: true },
  offer: { StockModified: true, PriceModified: true },
  catalog: { HasStockKeepingUnitModified: true },
};
const log = (...parts) => process.stderr.write(`[e2e-throughput] ${parts.join(' ')}\n`);

const fakes = await startFakes();
const info = await fakes.call('info');
await fakes.call('seed', { count: N, categoryId: 7 });
const database = benchDatabase('e2e');
const webhookToken = 'bench-webhook-token';
const config = {
  stores: [
    {
      account: info.vtex.account,
      webhookToken,
      vtex: { baseUrl: info.vtex.url, appKey: info.vtex.appKey, appToken: info.vtex.appToken, affiliateId: 'BNC', salesChannel: 1 },
      integrations: [
        {
          marketplace: 'mercadolivre',
          categoryMappings: { 7: 'MLB1055' },
          settings: { accessToken: info.ml.accessToken, apiBaseUrl: info.ml.url },
          // The fake allows any rate; the budget is still taken for every call (one Postgres row, as always).
          limits: {
            rate: { default: { perSecond: 100000, burst: 1000 } },
            concurrency: Number(values.concurrency),
            batch: { maxItems: Number(values['max-items']) },
          },
        },
      ],
    },
  ],
  ...(values['quiet-ms'] ? { pipeline: { coalesce: { quietMs: Number(values['quiet-ms']) } } } : {}),
  reconciliation: { enabled: false },
};
const nodeArgs = [];
if (values['cpu-prof']) {
  mkdirSync(values['cpu-prof'], { recursive: true });
  nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`);
}

let runtime;
let pgBackends;
let bench;
const result = {
  bench: 'e2e-throughput',
  machine: { cpus: availableParallelism(), cpuModel: cpus()[0]?.model, node: process.version, database: database.kind, loadAverageAtStart: loadAverage() },
  skus: N,
  limits: config.stores[0].integrations[0].limits,
  coalesce: config.pipeline?.coalesce ?? 'default (quietMs 1000, maxDelayMs 15000)',
  phases: [],
};
try {
  runtime = await startRuntime({
    config,
    database,
    nodeArgs,
    // --trace-queues needs the instrumented runner too (it reads the queues from inside the runtime).
    sqlStats: values['sql-stats'] ?? (values['trace-queues'] ? `${values['trace-queues']}.sql.json` : undefined),
    env: values['trace-queues'] ? { BENCH_QUEUE_TRACE: values['trace-queues'] } : {},
  });
  if (database.kind === 'postgres') {
    bench = database.open();
    pgBackends = new PostgresBackends(bench, database.applicationName);
    await pgBackends.start();
  }
  const meter = new CpuMeter({ runtime: runtime.pid, fakes: info.pid, loadGenerator: process.pid }, pgBackends, 'runtime');
  const webhook = `${runtime.address}/api/notification?token=${webhookToken}`;
  const skuIds = Array.from({ length: N }, (_, i) => i + 1);
  let rss = processRssMb(runtime.pid);
  const rssTimer = setInterval(() => (rss = Math.max(rss, processRssMb(runtime.pid) ?? 0)), 500);

  const phase = async (name, round, field) => {
    const before = await fakes.call('counters');
    const target = before.ml[field] + N;
    if (name !== 'create') await fakes.call('bump', { from: 1, to: N, kind: name, round });
    log(`${name} round ${round}: ${N} notifications`);
    if (values['sql-stats']) runtime.signal('SIGUSR2');
    const mark = meter.mark();
    const sent = await notifyAll({ webhook, account: info.vtex.account, skuIds, flags: FLAGS[name], concurrency: CONNECTIONS });
    const deadline = Date.now() + TIMEOUT_MS;
    let doneAt = null;
    while (!(doneAt = await fakes.call('reachedAt', { [field]: target }))) {
      if (Date.now() > deadline) throw new Error(`${name} round ${round}: ${(await fakes.call('counters')).ml[field] - before.ml[field]} of ${N} ${field} after ${TIMEOUT_MS / 1000} s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const cpu = meter.since(mark);
    const after = await fakes.call('counters');
    let sql;
    if (values['sql-stats']) {
      const before = existsSync(values['sql-stats']) ? statSync(values['sql-stats']).mtimeMs : 0;
      runtime.signal('SIGUSR1');
      while (!existsSync(values['sql-stats']) || statSync(values['sql-stats']).mtimeMs === before) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 100));
      sql = JSON.parse(readFileSync(values['sql-stats'], 'utf8')).slice(0, 16);
    }
    const seconds = (doneAt - sent.firstAt) / 1000;
    const connector = (cpu.cpuSeconds.runtime ?? 0) + (cpu.cpuSeconds.postgresBackends ?? 0);
    const perSecond = await fakes.call('perSecond', { from: sent.firstAt, to: doneAt, field });
    // The middle 80 %: what the pipeline sustains once the first SKUs are quiet, before the tail.
    const t10 = await fakes.call('reachedAt', { [field]: before.ml[field] + Math.ceil(N * 0.1) });
    const t90 = await fakes.call('reachedAt', { [field]: before.ml[field] + Math.ceil(N * 0.9) });
    const entry = {
      phase: name,
      round,
      notifications: { sent: N, statuses: sent.statuses, seconds: round3((sent.lastAt - sent.firstAt) / 1000) },
      [field]: after.ml[field] - before.ml[field],
      seconds: round3(seconds),
      updatesPerSecond: Math.round(N / seconds),
      steadyUpdatesPerSecond: t90 > t10 ? Math.round((N * 0.8) / ((t90 - t10) / 1000)) : null,
      // The steadiest second-long windows: what the pipeline sustains once the first notifications are quiet.
      peakSecond: Math.max(...perSecond),
      perSecond,
      connectorCpuSeconds: round3(connector),
      updatesPerConnectorCpuSecond: Math.round(N / connector),
      vtexReads: {
        sku: after.vtex.skuReads - before.vtex.skuReads,
        product: after.vtex.productReads - before.vtex.productReads,
        simulations: after.vtex.simulations - before.vtex.simulations,
        simulatedItems: after.vtex.simulatedItems - before.vtex.simulatedItems,
      },
      ...cpu,
      ...(sql ? { sql } : {}),
    };
    log(`${name} round ${round}: ${entry.updatesPerSecond}/s over ${entry.seconds} s; ${entry.updatesPerConnectorCpuSecond} per connector CPU-second; cpu ${JSON.stringify(cpu.cpuSeconds)}`);
    result.phases.push(entry);
  };

  await phase('create', 0, 'creates');
  for (let round = 1; round <= ROUNDS; round++) for (const scenario of SCENARIOS) await phase(scenario, round, 'updates');

  // Nothing more may arrive: one update per SKU per round, and every item equal to VTEX.
  await new Promise((r) => setTimeout(r, 3000));
  clearInterval(rssTimer);
  const counters = await fakes.call('counters');
  result.marketplace = { ...counters.ml, createsTwice: counters.createsTwice, expectedUpdates: N * ROUNDS * SCENARIOS.length };
  result.verify = await fakes.call('verify');
  result.runtimePeakRssMb = rss;
} finally {
  await pgBackends?.stop();
  await runtime?.stop();
  if (bench) await bench.close();
  if (runtime) {
    const db = await database.open();
    try {
      result.state = {
        statuses: Object.fromEntries((await db.query('select status, count(*)::int as n from sku_state group by status')).map((r) => [r.status, r.n])),
        undelivered: (await db.query('select count(*)::int as n from sku_state where desired_hash is distinct from delivered_hash'))[0].n,
        logs: Object.fromEntries((await db.query('select code, count(*)::int as n from operation_logs group by code')).map((r) => [r.code, r.n])),
        notificationsNotRefreshed: (await db.query('select count(*)::int as n from notifications where refreshed_at is null'))[0].n,
      };
    } finally {
      await db.close();
    }
  }
  await database.drop();
  await fakes.close();
}
result.loadAverageAtEnd = loadAverage();
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
const ok = result.verify?.mismatches === 0 && result.state?.undelivered === 0 && result.marketplace?.createsTwice === 0;
process.exit(ok ? 0 : 1);
