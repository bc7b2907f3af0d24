// bench/admin: what observability costs. (1) The in-memory metric updates on hot paths (the webhook's
// counter, one marketplace call's histogram + counters), in ns per update. (2) Scraping /metrics and
// reading the admin API's heaviest pages (inventory, activity, SKU history) on a sandbox whose SKUs
// went through the pipeline, in ms. Prints JSON; never fails on timing.
// Run: npm run bench:admin (builds first); SKUS (default 1000) and SCRAPES (default 50) can be set;
// DATABASE_URL runs it on Postgres (a fresh schema, dropped afterwards), else PGlite in memory.
import { randomBytes } from 'node:crypto';
import { PgDatabase, PgliteDatabase, RuntimeMetrics, createLogger, migrate } from '@connector/core';
import { startSandbox } from '@connector/cli';

const SKUS = Number(process.env.SKUS ?? 1000);
const SCRAPES = Number(process.env.SCRAPES ?? 50);
const round = (n) => Math.round(n * 1000) / 1000;

function perOp(fn, n) {
  for (let i = 0; i < 10_000; i++) fn(i);
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  return round(Number(process.hrtime.bigint() - t) / n);
}

function latency(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p) => round(s[Math.min(s.length - 1, Math.floor(p * s.length))]);
  return { n: s.length, p50Ms: q(0.5), p90Ms: q(0.9), p99Ms: q(0.99) };
}

async function time(n, fn) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
  }
  return latency(out);
}

const metrics = new RuntimeMetrics();
const call = { store: 'bench', marketplace: 'mercadolivre', operation: 'update', method: 'PUT', url: 'http://x/items/1', host: 'x', status: 200, durationMs: 42, at: new Date().toISOString() };
const hotPath = {
  webhookCounterNs: perOp(() => metrics.notificationsReceived.inc({ store: 'bench' }), 1_000_000),
  marketplaceCallNs: perOp(() => metrics.observeCall(call), 1_000_000),
};

let db;
let schema;
if (process.env.DATABASE_URL) {
  schema = `bench_${randomBytes(4).toString('hex')}`;
  db = new PgDatabase(process.env.DATABASE_URL, schema, 5);
} else {
  db = await PgliteDatabase.open('memory://', 'connector');
}
await migrate(db);
const sandbox = await startSandbox({ port: 0, skus: SKUS, unmappedSkus: 20, mlRate: 2000, database: db, adminToken: 'bench-admin-token-0123456789', logger: createLogger({ level: 'silent' }) });
const started = performance.now();
try {
  const ids = [...sandbox.skus, ...sandbox.unmapped].map((s) => s.id);
  for (let i = 0; i < ids.length; i += 50) await Promise.all(ids.slice(i, i + 50).map((id) => sandbox.vtex.notify(sandbox.webhook, id, { HasStockKeepingUnitModified: true })));
  for (;;) {
    const [row] = await db.query(`select count(*) filter (where status in ('synced', 'pending-category'))::int as n from sku_state`);
    if (row.n >= ids.length) break;
    if (performance.now() - started > 600_000) throw new Error(`only ${row.n} of ${ids.length} SKUs settled in 10 minutes`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const settledS = round((performance.now() - started) / 1000);
  const headers = { authorization: `Bearer ${sandbox.adminToken}` };
  const get = async (url) => {
    const res = await sandbox.app.inject({ method: 'GET', url, headers });
    if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}: ${res.body.slice(0, 200)}`);
    return res;
  };
  // /metrics reads the database at most once a second: every scrape here is a full read (new registry window).
  const scrape = await time(SCRAPES, async () => {
    sandbox.runtime.metrics['lastCollect'] = 0;
    await get('/metrics');
  });
  const metricsBytes = (await get('/metrics')).body.length;
  const result = {
    database: db.kind,
    skus: ids.length,
    settledS,
    hotPath,
    metricsScrape: { ...scrape, bytes: metricsBytes },
    inventoryPage: await time(20, () => get('/admin/api/stores/sandbox/inventory?limit=500')),
    inventoryWarningsOnly: await time(20, () => get('/admin/api/stores/sandbox/inventory?warningsOnly=true')),
    activity24h: await time(20, () => get('/admin/api/stores/sandbox/activity?hours=24&bucketMinutes=60')),
    skuHistory: await time(20, (i) => get(`/admin/api/stores/sandbox/skus/${ids[i % ids.length]}`)),
    unmappedCategories: await time(20, () => get('/admin/api/stores/sandbox/integrations/mercadolivre/categories/unmapped')),
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await sandbox.stop();
  if (schema) {
    await db.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
    await db.query(`drop schema if exists ${schema}_boss cascade`).catch(() => undefined);
  }
  await db.close();
}
