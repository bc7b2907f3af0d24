// bench/plugin-rpc: what one call across the extension host's boundary costs (worker thread and child
// process), for a single item and for a batch of 100 items, and a call that calls back into the core.
// Prints JSON; never fails on timing. Run: npm run bench:plugin-rpc (builds first); CALLS, BATCHES and
// NICENESS (the plugin hosts' CPU niceness, default 19) can be set in the environment.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { DEFAULT_HOST_LIMITS, PluginHost, PgliteDatabase, migrate, noopHttpMeter, systemClock } from '@connector/core';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const CALLS = Number(process.env.CALLS ?? 3000);
const BATCHES = Number(process.env.BATCHES ?? 300);
const WARMUP = 200;

/** A realistic item: what a marketplace payload looks like (~600 bytes of JSON). */
const item = (i) => ({
  op: 'plugin:upper',
  value: {
    title: `Tênis de corrida modelo ${i} azul tamanho 42`,
    category_id: 'MLB1055',
    price: 199.9 + i,
    currency_id: 'BRL',
    available_quantity: i % 17,
    buying_mode: 'buy_it_now',
    listing_type_id: 'gold_special',
    condition: 'new',
    pictures: [{ source: `https://example.com/images/${i}-1.jpg` }, { source: `https://example.com/images/${i}-2.jpg` }],
    attributes: [{ id: 'SELLER_SKU', value_name: String(i) }, { id: 'BRAND', value_name: 'Marca' }, { id: 'GTIN', value_name: '7891234567895' }],
    seller_custom_field: String(i),
  },
});

function stats(samplesNs) {
  const us = samplesNs.map((n) => Number(n) / 1000).sort((a, b) => a - b);
  const pick = (q) => us[Math.min(us.length - 1, Math.floor(q * us.length))];
  const mean = us.reduce((a, b) => a + b, 0) / us.length;
  return { n: us.length, meanUs: round(mean), p50Us: round(pick(0.5)), p90Us: round(pick(0.9)), p99Us: round(pick(0.99)) };
}
const round = (x) => Math.round(x * 10) / 10;

async function time(fn, count) {
  for (let i = 0; i < Math.min(WARMUP, count); i++) await fn(i);
  const samples = [];
  for (let i = 0; i < count; i++) {
    const t = process.hrtime.bigint();
    await fn(i);
    samples.push(process.hrtime.bigint() - t);
  }
  return samples;
}

async function measure(isolation, db) {
  const root = mkdtempSync(join(tmpdir(), 'connector-bench-rpc-'));
  const dir = join(root, 'plugin');
  cpSync(join(here, 'plugin'), dir, { recursive: true });
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...pkg, isolation }));
  mkdirSync(join(root, 'node_modules/@connector'), { recursive: true });
  symlinkSync(join(repo, 'core'), join(root, 'node_modules/@connector/core'), 'dir');

  const store = {
    account: 'bench',
    webhookToken: 'x',
    vtex: { baseUrl: 'http://127.0.0.1:9', appKey: 'k', appToken: 't', affiliateId: 'B', salesChannel: 1 },
    integrations: [{ marketplace: 'bench-echo', enabled: true, minimumStock: 0, categoryMappings: {}, settings: { token: 'secret-token' } }],
  };
  const config = { stores: [store], plugins: { paths: [dir] }, server: {}, source: 'bench' };
  const host = new PluginHost(config, pino({ level: 'silent' }), db, systemClock, noopHttpMeter, { discovery: { pluginFolders: [], npmFrom: [] }, limits: process.env.NICENESS ? { niceness: Number(process.env.NICENESS) } : {} });
  try {
    const started = process.hrtime.bigint();
    const handlers = await host.handlers(store, 'bench-echo');
    const startMs = Number(process.hrtime.bigint() - started) / 1e6;

    const one = [item(1)];
    const hundred = Array.from({ length: 100 }, (_, i) => item(i));
    const perCall = stats(await time(() => handlers.transform(one), CALLS));
    const perBatch = stats(await time(() => handlers.transform(hundred), BATCHES));
    const nested = stats(await time((i) => handlers.publish({ skuId: String(i), payload: {} }), CALLS));
    // Many calls in flight at once (as the delivery stage's concurrency does): calls per second.
    const inFlight = 16;
    const t0 = process.hrtime.bigint();
    let next = 0;
    await Promise.all(Array.from({ length: inFlight }, async () => {
      while (next < CALLS) {
        next++;
        await handlers.transform(one);
      }
    }));
    const concurrentPerSecond = Math.round(CALLS / (Number(process.hrtime.bigint() - t0) / 1e9));
    return {
      isolation,
      startAndActivateMs: round(startMs),
      perCall,
      perBatchOf100: { ...perBatch, perItemUs: round(perBatch.meanUs / 100) },
      callWithOneCallbackToCore: nested,
      callsPerSecondWith16InFlight: concurrentPerSecond,
    };
  } finally {
    await host.dispose();
    rmSync(root, { recursive: true, force: true });
  }
}

const db = await PgliteDatabase.open('memory://', 'connector');
await migrate(db);
try {
  const itemBytes = Buffer.byteLength(JSON.stringify(item(1)));
  const results = [];
  for (const isolation of ['worker', 'process']) results.push(await measure(isolation, db));
  console.log(
    JSON.stringify(
      {
        bench: 'plugin-rpc',
        node: process.version,
        cpus: `${availableParallelism()} × ${cpus()[0]?.model ?? '?'}`,
        itemJsonBytes: itemBytes,
        calls: CALLS,
        batches: BATCHES,
        /** Plugin hosts' CPU niceness (NICENESS=0 to compare with the core's priority). */
        niceness: process.env.NICENESS ? Number(process.env.NICENESS) : DEFAULT_HOST_LIMITS.niceness,
        results,
      },
      null,
      2,
    ),
  );
} finally {
  await db.close();
}
