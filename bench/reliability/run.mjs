// bench/reliability: the reliability scenarios of test/reliability at full size (5,000 SKUs, 10,000 webhook
// payloads), one at a time. The scenarios are the very test files CI runs at reduced size: this script runs
// them with CONNECTOR_RELIABILITY_SCALE=full, collects the figures each one records, and writes
// bench/results/reliability.json and docs/reliability.md (date, machine, figures). Prints the JSON.
// Exits 1 when a scenario failed (something lost, wrong or crashed), 0 otherwise.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeMachine, loadAverage } from '../support/machine.mjs';
import { markdown } from './report.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const VITEST = join(ROOT, 'node_modules/vitest/vitest.mjs');
const args = process.argv.slice(2);
/** `--only 1,3` runs some scenarios (file prefixes); `--scale ci` runs the CI size (a quick check of the bench). */
const only = valueOf('--only')?.split(',');
const scale = valueOf('--scale') ?? 'full';

function valueOf(flag) {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

const SCENARIOS = [
  { id: '1-crash', title: 'Crash: kill -9 of the runtime mid-load, restart' },
  { id: '2-faulty-marketplace', title: 'Faulty marketplaces: 20 % 5xx, 5 % timeouts, bursts of 429' },
  { id: '3-database-restart', title: 'Database restart mid-load (private PostgreSQL 15, immediate shutdown)' },
  { id: '4-two-processes', title: 'Two runtime processes, one killed and restarted midway' },
  { id: '5-bad-input', title: 'Bad input: generated webhook payloads' },
  { id: '6-faulty-plugin', title: 'Faulty plugin (throws, hangs, out of memory) next to a healthy one', solo: true },
  { id: '7-out-of-order', title: 'Out-of-order, repeated and replayed notifications' },
].filter((s) => !only || only.some((o) => s.id.startsWith(o)));


const work = mkdtempSync(join(tmpdir(), 'connector-reliability-bench-'));
const figuresFile = join(work, 'figures.jsonl');
const startedAt = new Date();
const machine = await describeMachine();

const runs = [];
for (const scenario of SCENARIOS) {
  const file = `test/reliability/${scenario.id}.test.ts`;
  const config = scenario.solo ? 'vitest.solo.config.ts' : 'vitest.config.ts';
  const t0 = performance.now();
  process.stderr.write(`[reliability] ${scenario.id} (${scale}) …\n`);
  const result = spawnSync(process.execPath, [VITEST, 'run', '--config', config, file, '--testTimeout', '3600000', '--hookTimeout', '600000'], {
    cwd: ROOT,
    env: { ...process.env, CONNECTOR_RELIABILITY_SCALE: scale, CONNECTOR_RELIABILITY_FIGURES: figuresFile },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const passed = result.status === 0;
  const seconds = Math.round((performance.now() - t0) / 100) / 10;
  process.stderr.write(`[reliability] ${scenario.id}: ${passed ? 'passed' : 'FAILED'} in ${seconds} s\n`);
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  runs.push({ ...scenario, passed, seconds, ...(passed ? {} : { failure: failureOf(output) }) });
}

/** The assertion message of a failed run (vitest's first error block), for the report. */
function failureOf(output) {
  const plain = output.replace(/\u001b\[[0-9;]*m/g, '');
  const at = plain.search(/(AssertionError|Error): /);
  return at >= 0 ? plain.slice(at, at + 1500) : plain.slice(-1500);
}

const recorded = existsSync(figuresFile)
  ? readFileSync(figuresFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
  : [];
rmSync(work, { recursive: true, force: true });

const report = {
  bench: 'reliability',
  date: startedAt.toISOString(),
  scale,
  machine: { ...machine, loadAverageAtEnd: loadAverage() },
  scenarios: Object.fromEntries(
    runs.map((r) => {
      const figures = recorded.find((f) => f.scenario === r.id);
      return [r.id, { title: r.title, passed: r.passed, seconds: r.seconds, ...(r.failure ? { failure: r.failure } : {}), ...(figures ? { figures } : {}) }];
    }),
  ),
  passed: runs.every((r) => r.passed),
};

// The CI-size check of the bench (--scale ci) prints only: the report files hold full-size figures. A full-size
// run of some scenarios (--only) replaces theirs in the last full report, which notes the re-run.
const resultsFile = join(ROOT, 'bench/results/reliability.json');
let written = report;
if (scale === 'full' && only && existsSync(resultsFile)) {
  const previous = JSON.parse(readFileSync(resultsFile, 'utf8'));
  const scenarios = { ...previous.scenarios, ...report.scenarios };
  written = {
    ...previous,
    scenarios,
    reruns: [...(previous.reruns ?? []), { date: report.date, scenarios: Object.keys(report.scenarios), machine: report.machine }],
    passed: Object.values(scenarios).every((x) => x.passed),
  };
}
if (scale === 'full' && (!only || written !== report)) {
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(resultsFile, `${JSON.stringify(written, null, 2)}\n`);
  writeFileSync(join(ROOT, 'docs/reliability.md'), markdown(written));
}
console.log(JSON.stringify(report, null, 2));
process.exitCode = report.passed ? 0 : 1;
