// bench/rate-budget: two runtime processes on one Postgres deliver N SKUs to a fake Mercado Livre that allows R
// requests/s (token bucket, burst B) and answers 429 above it. The integration declares the same limit
// (integrations[].limits); the budget both processes draw on lives in Postgres. Prints JSON: the achieved delivery
// rate over R (target >= 0.95) and the number of 429s (target 0). Never fails on timing.
//
// The pipeline before delivery (VTEX reads, mapping) is not what is measured: the fake first refuses the
// credentials, so the integration pauses (auth contingency) while every SKU is read and queued; then the
// credentials work again, the periodic probe resumes the integration, and the whole backlog is delivered
// against the budget. The rate is measured from the first to the last delivery of that phase.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node bench/rate-budget/run.mjs [--rate 100] [--skus 5000] [--processes 2]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PgDatabase, migrate } from '@connector/core';
import { FakeMercadoLivre, FakeVtex } from '@connector/fakes';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = join(ROOT, 'cli/dist/bin.js');
const { values } = parseArgs({ options: { rate: { type: 'string', default: '100' }, skus: { type: 'string', default: '5000' }, processes: { type: 'string', default: '2' }, burst: { type: 'string' } } });
const R = Number(values.rate);
const N = Number(values.skus);
const P = Number(values.processes);
const B = Number(values.burst ?? Math.max(2, Math.ceil(R / 5)));
const url = process.env.DATABASE_URL;
if (!url) {
  process.stderr.write('bench/rate-budget needs Postgres (two processes share it): set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/test\n');
  process.exit(2);
}

const schema = `bench_${randomBytes(4).toString('hex')}`;
const work = mkdtempSync(join(tmpdir(), 'connector-bench-'));
const vtex = await FakeVtex.start({ account: 'benchstore' });
const ml = await FakeMercadoLivre.start({ rateLimit: { perSecond: R, burst: B } });
ml.refuseAllTokens = true;
vtex.seed(N, { categoryId: 7, salesChannel: 1 });
const db = new PgDatabase(url, schema, 2);
await migrate(db);

// One config per process, identical but for the access token: the fake counts each process's requests.
const tokens = Array.from({ length: P }, () => ml.issueAccessToken());
const configFor = (token) => ({
  stores: [
    {
      account: vtex.account,
      webhookToken: 'bench-webhook-token',
      vtex: { baseUrl: vtex.url, appKey: vtex.appKey, appToken: vtex.appToken, affiliateId: 'BNC', salesChannel: 1 },
      integrations: [
        {
          marketplace: 'mercadolivre',
          categoryMappings: { 7: 'MLB1055' },
          settings: { accessToken: token, apiBaseUrl: ml.url },
          limits: { rate: { default: { perSecond: R, burst: B } }, concurrency: 8, batch: { maxItems: 100 } },
        },
      ],
    },
  ],
  delivery: { authProbeSeconds: 1 },
  reconciliation: { enabled: false },
});
const env = { ...process.env, DATABASE_URL: url, CONNECTOR_DB_SCHEMA: schema, CONNECTOR_LOG_LEVEL: 'warn' };
const children = tokens.map((token, i) => {
  const file = join(work, `p${i}.json`);
  writeFileSync(file, JSON.stringify(configFor(token)));
  const child = spawn(process.execPath, [CLI, 'serve', '--config', file, '--port', '0', '--host', '127.0.0.1'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  return { child, file };
});

const waitFor = async (probe, timeoutMs, what) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

let result;
try {
  // Both runtimes up (their queues exist), then the initial load is enqueued; the servers do the work.
  await waitFor(async () => (await db.query(`select count(*)::int as n from ${schema}_boss.queue where name like 'delivery.%'`).catch(() => [{ n: 0 }]))[0].n > 0, 60_000, 'the runtimes');
  const started = performance.now();
  const sync = spawn(process.execPath, [CLI, 'sync', '--config', children[0].file, '--store', vtex.account, '--marketplace', 'mercadolivre', '--no-workers', '--no-wait'], { env, stdio: 'ignore' });
  await new Promise((r) => sync.on('exit', r));
  // Every SKU read from VTEX and waiting for delivery, behind the paused integration.
  const pending = async () =>
    (await db.query(`select count(*)::int as n from ${schema}.sku_state where status = 'pending' and desired_hash is distinct from delivered_hash`))[0].n;
  await waitFor(async () => (await pending()) >= N, 600_000, `${N} SKUs queued for delivery`);
  const queuedSeconds = (performance.now() - started) / 1000;
  ml.resetCounters();
  ml.refuseAllTokens = false;
  await waitFor(() => ml.counters.creates >= N, 60_000 + (N / R) * 3000, `${N} creates`);
  const at = ml.acceptedAt;
  const seconds = (at[at.length - 1] - at[0]) / 1000;
  const achieved = (at.length - 1) / seconds;
  result = {
    bench: 'rate-budget',
    processes: P,
    skus: N,
    allowedRate: R,
    allowedBurst: B,
    achievedRate: Number(achieved.toFixed(2)),
    achievedOverAllowed: Number((achieved / R).toFixed(4)),
    rateLimited429: ml.counters.rateLimited,
    maxObservedPerSecond: ml.counters.maxObservedPerSecond,
    requestsPerProcess: tokens.map((t) => ml.counters.requestsByToken.get(t) ?? 0),
    creates: ml.counters.creates,
    // Two processes, one job each at a time: no SKU may be created twice.
    skusCreatedTwice: [...ml.counters.createsBySku.values()].filter((n) => n > 1).length,
    itemsOnMarketplace: ml.items.size,
    deliverySeconds: Number(seconds.toFixed(2)),
    secondsToQueueEverySku: Number(queuedSeconds.toFixed(2)),
    totalSeconds: Number(((performance.now() - started) / 1000).toFixed(2)),
    // Requests let through per second of the run: shows the ramp-up and whether delivery ever starved.
    perSecondSeries: at.reduce((series, t) => {
      const s = Math.floor((t - at[0]) / 1000);
      series[s] = (series[s] ?? 0) + 1;
      return series;
    }, []),
  };
} finally {
  for (const { child } of children) child.kill('SIGTERM');
  await Promise.all(children.map(({ child }) => (child.exitCode === null ? new Promise((r) => child.on('exit', r)) : undefined)));
  await db.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
  await db.query(`drop schema if exists ${schema}_boss cascade`).catch(() => undefined);
  await db.close();
  await ml.close();
  await vtex.close();
  rmSync(work, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
