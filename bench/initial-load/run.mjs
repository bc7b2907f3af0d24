// bench/initial-load: an initial load of N SKUs (default 100,000) as users run it — `connector sync` lists the
// store's trade policy from the fake VTEX page by page, enqueues each page in bulk, and its own workers take every
// SKU through the whole pipeline (VTEX reads, checks, mapping, state, plugin, fake Mercado Livre). Prints JSON: SKUs,
// wall time, SKUs/s, the sync process's peak RSS and its RSS when 10 % / 50 % / 100 % of the SKUs had been created
// (flat means the process does not hold the catalog), CPU per process. Never fails on timing; exits 1 when a SKU is
// missing, created twice or different from VTEX.
//
// Three processes: this one (orchestrator), the fakes (fakes-process.mjs: 100,000 SKUs served from an index, in
// their own process so their memory and CPU are not the runtime's) and `connector sync`.
//
//   node bench/initial-load/run.mjs [--skus 100000] [--checkpoints 10000,50000,100000]
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node bench/initial-load/run.mjs
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CpuMeter, PostgresBackends, loadAverage, processRssMb, round3 } from '../support/cpu.mjs';
import { startFakes } from '../support/fakes.mjs';
import { benchDatabase, CLI } from '../support/runtime.mjs';

const { values } = parseArgs({
  options: {
    skus: { type: 'string', default: '100000' },
    checkpoints: { type: 'string' },
    concurrency: { type: 'string', default: '64' },
    'max-items': { type: 'string', default: '500' },
    'timeout-s': { type: 'string', default: '3600' },
    'memory-report': { type: 'string' },
  },
});
const N = Number(values.skus);
const CHECKPOINTS = (values.checkpoints ?? [N / 10, N / 2, N].map(Math.round).join(','))
  .split(',')
  .map(Number)
  .filter((n) => n > 0 && n <= N);
const log = (line) => process.stderr.write(`[initial-load] ${line}\n`);

const fakes = await startFakes({ BENCH_ACCOUNT: 'loadstore' });
const info = await fakes.call('info');
const seeded = performance.now();
await fakes.call('seed', { count: N, categoryId: 7 });
log(`${N} SKUs seeded in the fake VTEX in ${Math.round(performance.now() - seeded)} ms`);
const database = benchDatabase('load');
const config = {
  stores: [
    {
      account: info.vtex.account,
      webhookToken: 'bench-webhook-token',
      vtex: { baseUrl: info.vtex.url, appKey: info.vtex.appKey, appToken: info.vtex.appToken, affiliateId: 'BNC', salesChannel: 1 },
      integrations: [
        {
          marketplace: 'mercadolivre',
          categoryMappings: { 7: 'MLB1055' },
          settings: { accessToken: info.ml.accessToken, apiBaseUrl: info.ml.url },
          limits: { rate: { default: { perSecond: 100000, burst: 1000 } }, concurrency: Number(values.concurrency), batch: { maxItems: Number(values['max-items']) } },
        },
      ],
    },
  ],
  reconciliation: { enabled: false },
};
const configFile = join(database.work, 'connector.json');
writeFileSync(configFile, JSON.stringify(config));

const result = {
  bench: 'initial-load',
  machine: { cpus: availableParallelism(), cpuModel: cpus()[0]?.model, node: process.version, database: database.kind, loadAverageAtStart: loadAverage() },
  skus: N,
  limits: config.stores[0].integrations[0].limits,
};
let pg;
let bench;
let exitCode = 1;
try {
  if (database.kind === 'postgres') {
    bench = database.open();
    pg = new PostgresBackends(bench, database.applicationName);
    await pg.start();
  }
  const started = performance.now();
  const preload = values['memory-report'] ? ['--import', new URL('../support/memory-report.mjs', import.meta.url).href] : [];
  const child = spawn(process.execPath, [...preload, CLI, 'sync', '--config', configFile, '--store', info.vtex.account, '--marketplace', 'mercadolivre', ...database.args], {
    env: { ...process.env, ...database.env, CONNECTOR_LOG_LEVEL: 'warn', ...(values['memory-report'] ? { BENCH_MEMORY_REPORT: values['memory-report'] } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output = (output + d).slice(-4000)));
  child.stderr.on('data', (d) => (output = (output + d).slice(-4000)));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const meter = new CpuMeter({ runtime: child.pid, fakes: info.pid, orchestrator: process.pid }, pg, 'runtime');
  const mark = meter.mark();

  // RSS of the sync process every 250 ms, and when the marketplace had received each checkpoint's creates.
  const samples = [];
  const atCheckpoint = {};
  let peak = 0;
  let peakBeforeFirstCreate = 0;
  let peakDuringLoad = 0;
  let creates = 0;
  let firstCreateAt;
  let lastCreateAt;
  let done = false;
  const poll = (async () => {
    while (!done) {
      const rss = processRssMb(child.pid);
      if (rss !== undefined) {
        peak = Math.max(peak, rss);
        if (!creates) peakBeforeFirstCreate = Math.max(peakBeforeFirstCreate, rss);
        else peakDuringLoad = Math.max(peakDuringLoad, rss);
        meter.mark(); // keeps the last CPU reading of the process before it is gone
        ({ ml: { creates } } = await fakes.call('counters'));
        const t = round3((performance.now() - started) / 1000);
        if (creates > 0) firstCreateAt ??= t;
        if (creates >= N) lastCreateAt ??= t;
        if (!samples.length || t - samples[samples.length - 1].seconds >= 5) samples.push({ seconds: t, creates, rssMb: rss });
        for (const c of CHECKPOINTS) if (creates >= c && !atCheckpoint[c]) atCheckpoint[c] = { seconds: t, rssMb: rss, peakSoFarMb: peak };
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), Number(values['timeout-s']) * 1000))]);
  done = true;
  await poll;
  if (code === 'timeout') {
    child.kill('SIGKILL');
    throw new Error(`connector sync did not finish within ${values['timeout-s']} s; ${creates} of ${N} created. Output:\n${output}`);
  }
  if (code !== 0) throw new Error(`connector sync exited with ${code}:\n${output}`);
  const wall = (performance.now() - started) / 1000;
  const counters = await fakes.call('counters');
  // The sync process's CPU is its last reading (taken every 250 ms until it exited).
  const cpu = meter.since(mark);
  const runtimeCpu = cpu.cpuSeconds.runtime;
  result.wallSeconds = round3(wall);
  result.skusPerSecond = Math.round(N / wall);
  result.deliverySeconds = lastCreateAt && firstCreateAt !== undefined ? round3(lastCreateAt - firstCreateAt) : null;
  result.peakRssMb = peak;
  // Starting the runtime (PGlite unpacks and compiles its engine then) apart from the load itself.
  result.peakRssBeforeFirstCreateMb = peakBeforeFirstCreate;
  result.peakRssDuringLoadMb = peakDuringLoad;
  result.rssAtCheckpoints = Object.fromEntries(CHECKPOINTS.map((c) => [c, atCheckpoint[c] ?? null]));
  result.rssSamples = samples;
  result.cpuSeconds = cpu.cpuSeconds;
  result.kernelSeconds = cpu.kernelSeconds;
  result.runtimeThreads = cpu.runtimeThreads;
  result.skusPerRuntimeCpuSecond = Math.round(N / (runtimeCpu + (cpu.cpuSeconds.postgresBackends ?? 0)));
  result.loadAverage = cpu.loadAverage;
  result.marketplace = { creates: counters.ml.creates, updates: counters.ml.updates, items: counters.ml.items, createsTwice: counters.createsTwice };
  result.vtexReads = counters.vtex;
  result.verify = await fakes.call('verify');
  result.fakesRssMb = await fakes.call('rss');
  exitCode = result.verify.mismatches === 0 && counters.createsTwice === 0 && counters.ml.items === N ? 0 : 1;
} finally {
  await pg?.stop();
  if (bench) await bench.close();
  await database.drop();
  await fakes.close();
}
result.loadAverageAtEnd = loadAverage();
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
process.exit(exitCode);
