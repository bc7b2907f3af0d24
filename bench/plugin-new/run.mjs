// bench/plugin-new: how long an author waits from `connector plugin new` to a validated plugin, in an
// empty folder outside the repository: new + npm install + npm test + connector plugin validate, for
// the item and the feed style (goal: under 60 s each). Prints JSON; exits 1 only when a step fails,
// never on timing. Run: npm run bench:plugin-new (builds first). ROUNDS=n repeats it; COLD_CACHE=1
// gives npm an empty cache (what an author's first plugin costs: typescript, vitest and @types/node
// are downloaded from the registry).
import { spawnSync } from 'node:child_process';
import { cpus, tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '../..');
const cli = join(repo, 'cli/dist/bin.js');
const rounds = Number(process.env.ROUNDS ?? 1);
const cold = process.env.COLD_CACHE === '1';
const env = { ...process.env, NO_COLOR: '1', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };

function step(name, command, args, cwd) {
  const started = performance.now();
  const r = spawnSync(command, args, { cwd, env, encoding: 'utf8' });
  const ms = Math.round(performance.now() - started);
  if (r.status !== 0) {
    process.stderr.write(`${name} failed (exit ${r.status}):\n${r.stdout}${r.stderr}\n`);
    process.exit(1);
  }
  return ms;
}

const results = [];
for (let round = 0; round < rounds; round++) {
  for (const style of ['item', 'feed']) {
    const folder = mkdtempSync(join(tmpdir(), 'connector-bench-plugin-new-'));
    if (cold) env.npm_config_cache = join(folder, '.npm-cache');
    try {
      const id = style === 'item' ? 'acme' : 'acme-feed';
      const dir = join(folder, id);
      const ms = {
        new: step('plugin new', process.execPath, [cli, 'plugin', 'new', id, '--style', style], folder),
        install: step('npm install', 'npm', ['install'], dir),
        test: step('npm test', 'npm', ['test'], dir),
        validate: step('plugin validate', process.execPath, [cli, 'plugin', 'validate', '--json'], dir),
      };
      results.push({ round: round + 1, style, ...ms, totalMs: ms.new + ms.install + ms.test + ms.validate, goalMs: 60_000 });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }
}
process.stdout.write(`${JSON.stringify({ bench: 'plugin-new', node: process.version, cpus: cpus().length, npmCache: cold ? 'empty (COLD_CACHE=1)' : 'the local one (warm)', results }, null, 2)}\n`);
