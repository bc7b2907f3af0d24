// bench/certification: the 5,000-SKU feed load per feed plugin, with the marketplace's declared limits, on a scaled
// clock. For each plugin it prints one JSON line (wall time, the same on the marketplace's clock, the least time the
// declared limits allow, their ratio — goal ≤ 1.15 —, submissions per kind), then a markdown table, and writes
// docs/certification.md (and bench/results/certification.json).
//
// The plugins are the adapters in test/support/feeds/*.ts (FeedScenario, test/support/feed-scenario.ts). Each
// adapter file runs in a vitest process of its own (bench/certification/certify.test.ts → feedLoadTest of
// test/support/feed-load.ts: the same load and assertions as the plugin's e2e test, at full size): the adapters are
// TypeScript test code using vitest's `expect`, which only the vitest runner provides (test/ compiles only the fakes).
//
//   npm run bench:certification                         # every feed plugin under plugins/, 5,000 SKUs, scale auto
//   npm run bench:certification -- --only amazon,carrefour --scale 60 --skus 5000
//   npm run bench:certification -- --only feedmarket --skus 500   # the fixture feed plugin (the harness's own check)
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:certification   # on Postgres (else PGlite)
//
// --scale: marketplace ms per real ms (60 = a marketplace minute per real second); `auto` (default) picks, per
// plugin, the largest of 1, 2, 5, 10, 20, 50, … at which the least time its limits allow takes at most
// --target-seconds (default 90) real seconds. The scale is printed with every figure.
// Exits 1 when a plugin's load failed (a SKU missing or wrong, a cap exceeded, an offer before its product).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeMachine, loadAverage } from '../support/machine.mjs';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const VITEST = join(ROOT, 'node_modules/vitest/vitest.mjs');
const FEEDS = join(ROOT, 'test/support/feeds');
const DOC = join(ROOT, 'docs/certification.md');
const GOAL = 1.15;

const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    scale: { type: 'string', default: 'auto' },
    skus: { type: 'string', default: '5000' },
    'target-seconds': { type: 'string', default: '90' },
  },
});
const only = args.only?.split(',').map((s) => s.trim()).filter(Boolean);
if (args.scale !== 'auto' && !(Number(args.scale) > 0)) throw new Error(`--scale must be a number > 0 or "auto" (got ${args.scale})`);
if (!(Number(args.skus) >= 1)) throw new Error(`--skus must be a number ≥ 1 (got ${args.skus})`);

const startedAt = new Date();
const machine = await describeMachine('PGlite (embedded PostgreSQL, in memory)');

// Adapter files: every test/support/feeds/*.ts. With --only, a file may hold none of the ids (its process runs no test).
const adapters = existsSync(FEEDS) ? readdirSync(FEEDS).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).sort() : [];
const work = mkdtempSync(join(tmpdir(), 'connector-certification-'));
const figuresFile = join(work, 'figures.jsonl');
const results = [];

/** The assertion messages of the failed tests in vitest's JSON report, by the describe they belong to. */
function failures(reportFile) {
  if (!existsSync(reportFile)) return [];
  const report = JSON.parse(readFileSync(reportFile, 'utf8'));
  return report.testResults.flatMap((file) => [
    ...(file.status === 'failed' && !file.assertionResults.length ? [{ title: file.name, message: file.message }] : []),
    ...file.assertionResults.filter((t) => t.status === 'failed').map((t) => ({ title: t.fullName, message: (t.failureMessages ?? []).map(withoutStack).join('\n') })),
  ]);
}

/** An error message without its stack frames (the report wants what failed, not where). */
function withoutStack(message) {
  return message.split('\n').filter((line) => !/^\s+at /.test(line)).join('\n').trim();
}

const recorded = () =>
  existsSync(figuresFile)
    ? readFileSync(figuresFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];

for (const file of adapters) {
  const before = recorded().length;
  const reportFile = join(work, `${basename(file, '.ts')}.json`);
  process.stderr.write(`[certification] ${file} (${args.skus} SKUs, scale ${args.scale}) …\n`);
  const t0 = performance.now();
  const run = spawnSync(process.execPath, [VITEST, 'run', '--config', 'bench/certification/vitest.config.mjs', '--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`], {
    cwd: ROOT,
    env: {
      ...process.env,
      CONNECTOR_CERT_ADAPTER: join(FEEDS, file),
      CONNECTOR_CERT_SKUS: args.skus,
      CONNECTOR_CERT_SCALE: args.scale,
      CONNECTOR_CERT_TARGET_SECONDS: args['target-seconds'],
      ...(only && { CONNECTOR_CERT_ONLY: only.join(',') }),
      CONNECTOR_FEED_LOAD_FIGURES: figuresFile,
    },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const seconds = Math.round((performance.now() - t0) / 100) / 10;
  const failed = failures(reportFile);
  const figures = recorded().slice(before);
  for (const f of figures) {
    const mine = failed.filter((x) => x.title.startsWith(`${f.marketplace}:`));
    const problems = [...(f.error ? [`the load did not finish: ${f.error.slice(0, 3000)}`] : []), ...mine.map((x) => `${x.title}: ${x.message.slice(0, 1500)}`)];
    const result = { ...f, passed: problems.length === 0, ...(problems.length && { failures: problems }) };
    results.push(result);
    console.log(JSON.stringify(result));
  }
  // A load that never finished leaves no figures: report what failed under the adapter's name.
  const orphans = failed.filter((x) => !figures.some((f) => x.title.startsWith(`${f.marketplace}:`)));
  const unexplained = run.status !== 0 && !results.slice(results.length - figures.length).some((r) => !r.passed);
  if (orphans.length || unexplained) {
    const marketplace = orphans[0]?.title.split(':')[0] || basename(file, '.ts');
    const result = { marketplace, adapter: file, passed: false, failures: orphans.length ? orphans.map((x) => `${x.title}: ${x.message.slice(0, 1500)}`) : [`vitest exited ${run.status}: ${(run.stdout ?? '').slice(-1500)}`] };
    results.push(result);
    console.log(JSON.stringify(result));
  }
  process.stderr.write(`[certification] ${file}: ${figures.length} load(s), ${failed.length ? 'FAILED' : 'passed'} in ${seconds} s\n`);
}
rmSync(work, { recursive: true, force: true });

const report = { bench: 'certification', date: startedAt.toISOString(), goal: GOAL, skus: Number(args.skus), scale: args.scale, machine: { ...machine, loadAverageAtEnd: loadAverage() }, plugins: results };

// docs/certification.md keeps its figures in a comment at its end: a run of some plugins (--only), or on the other
// database, replaces its own rows and keeps the others' (each row says when and where it was measured).
const previous = existsSync(DOC) ? /<!-- figures\n([\s\S]*?)\n-->/.exec(readFileSync(DOC, 'utf8'))?.[1] : undefined;
// One row per marketplace and database (PGlite, Postgres): a run replaces its own rows only.
const databaseOf = (r) => r.database ?? r.machine?.database;
const kept = previous ? JSON.parse(previous).filter((p) => !results.some((r) => r.marketplace === p.marketplace && machine.database === databaseOf(p))) : [];
const rows = [...kept, ...results.map((r) => ({ ...r, date: report.date, machine: report.machine }))].sort(
  (a, b) => a.marketplace.localeCompare(b.marketplace) || String(databaseOf(a)).localeCompare(String(databaseOf(b))),
);

const table = markdownTable(rows);
console.log(`\n${table}`);
if (results.length) {
  writeFileSync(DOC, markdown(rows, table));
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/certification.json'), `${JSON.stringify(report, null, 2)}\n`);
} else {
  process.stderr.write(`[certification] no feed plugin matched${only ? ` --only ${only.join(',')}` : ''}: adapters ${adapters.join(', ') || 'none'}; nothing written\n`);
}
process.exitCode = results.every((r) => r.passed) ? 0 : 1;

// ---------------------------------------------------------------------------------------------------------------

function duration(ms) {
  if (ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 120) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m} min ${Math.round(s - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

function submissions(r) {
  return Object.entries(r.submissions ?? {})
    .map(([kind, s]) => `${kind}: ${s.count} (≤ ${s.maxItems} items, ≤ ${Math.round(s.maxBytes / 1024)} KiB)`)
    .join('; ');
}

function markdownTable(rows) {
  return [
    '| marketplace | SKUs | scale | database | wall (real) | marketplace time | minimum | ratio (goal ≤ 1.15) | arrived ratio | submissions per kind | offers before catalogued | checks |',
    '| --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |',
    ...rows.map((r) =>
      r.wallMs === undefined
        ? `| ${r.marketplace} | — | — | ${r.machine?.database ?? '—'} | — | — | — | — | — | — | — | **FAILED**: ${(r.failures?.[0] ?? '').split('\n')[0].replace(/\|/g, '\\|').slice(0, 200)} |`
        : `| ${r.marketplace} | ${r.skus} | ${r.clock} | ${r.database} | ${duration(r.wallMs)} | ${duration(r.marketplaceMs)} | ${duration(r.minimumMs)} | ${r.ratio <= GOAL ? r.ratio : `**${r.ratio}**`} | ${r.arrivedRatio ?? '—'} | ${submissions(r)} | ${r.offersBeforeCatalogued} | ${r.passed ? 'passed' : '**FAILED**'} |`,
    ),
  ].join('\n');
}

function markdown(rows, table) {
  const machines = [...new Map(rows.filter((r) => r.machine).map((r) => [`${r.date}`, r])).values()];
  return [
    '# Feed plugin certification',
    '',
    'The 5,000-SKU load per feed plugin: every SKU from the fake VTEX to the plugin\'s fake marketplace, through a',
    'real runtime, with the limits the plugin\'s manifest declares — compressed by the clock scale, since the fake',
    'runs on a scaled clock (a marketplace minute in a real second at scale 60) while the manifest keeps the',
    'marketplace\'s true limits. **Ratio** = the load\'s duration on the marketplace\'s clock (wall time × scale) /',
    'the least time the declared limits allow for it (each adapter\'s `minimumMs`, which says how it is derived);',
    `the goal is ≤ ${GOAL}. Every load also checks that each SKU arrived with VTEX's price, stock and on-sale state,`,
    'that every declared cap held in every sliding window, and that no offer reached the marketplace before its',
    'product was catalogued. Generated by `npm run bench:certification` (do not edit by hand); each plugin\'s e2e',
    'test runs the same load in CI.',
    '',
    ...machines.map(
      (r) =>
        `- **${r.date}** (${rows.filter((x) => x.date === r.date).map((x) => x.marketplace).join(', ')}): ${r.machine.cpus} cores (${r.machine.cpuModel}), ` +
        `${r.machine.memoryGb} GB memory, Node ${r.machine.node}, ${r.machine.databaseVersion}; load average ${r.machine.loadAverageAtStart.join(' / ')} at start, ` +
        `${r.machine.loadAverageAtEnd?.join(' / ') ?? '?'} at end (a shared machine: wall times are what it gave then).`,
    ),
    '',
    table,
    '',
    '**Columns.** *wall*: real time from the first VTEX notification until every SKU was `synced` and the fake held',
    'VTEX\'s values for all of them (notifications included). *Marketplace time*: wall × scale. *Minimum*: the least',
    'marketplace time the declared limits (and the fake\'s processing times) allow for the load. *Arrived ratio*: the',
    'same ratio up to the moment the fake held every SKU right, before the connector had polled every outcome: the',
    'difference is feed-status polling lag (polls 5 % of a lot\'s time in flight apart). *Submissions*: per',
    'kind, how many the fake received and the largest (items, bytes). Per-plugin details (lots per operation, their',
    'submit-to-done times and polls, the feed polling used) are in the figures below.',
    '',
    '<!-- figures',
    JSON.stringify(rows, null, 1),
    '-->',
    '',
  ].join('\n');
}
