import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeMercadoLivre, FakeVtex } from '../fakes/index.js';
import { openTestDatabase, type TestDatabase } from '../support/database.js';
import { stackConfig } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = join(ROOT, 'cli/dist/bin.js');
/**
 * 20,000 SKUs is the acceptance size (bench/initial-load runs it); CI runs a smaller catalog through
 * the very same path by default to stay well within its time budget.
 */
const SKUS = Number(process.env.CONNECTOR_INITIAL_LOAD_SKUS ?? 4000);

describe(`initial load of ${SKUS} SKUs survives a SIGKILL halfway`, () => {
  let vtex: FakeVtex;
  let ml: FakeMercadoLivre;
  let tdb: TestDatabase | undefined;
  let work: string;
  let configFile: string;
  let env: NodeJS.ProcessEnv;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    vtex = await FakeVtex.start({ account: 'loadstore' });
    ml = await FakeMercadoLivre.start();
    vtex.seed(SKUS, { categoryId: 7, salesChannel: 1 });
    work = mkdtempSync(join(tmpdir(), 'connector-load-'));
    const config = stackConfig(vtex, ml, ml.issueAccessToken(), {
      // No marketplace limit here: the point is the crash, not the rate.
      limits: { rate: { default: { perSecond: 10_000, burst: 200 } }, concurrency: 16, batch: { maxItems: 100 } },
    });
    configFile = join(work, 'connector.json');
    writeFileSync(configFile, JSON.stringify(config));
    env = { ...process.env, CONNECTOR_LOG_LEVEL: 'error' };
    if (process.env.DATABASE_URL) {
      tdb = await openTestDatabase();
      Object.assign(env, tdb.env);
    }
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await tdb?.cleanup();
    await ml?.close();
    await vtex?.close();
    rmSync(work, { recursive: true, force: true });
  });

  const sync = () => {
    const child = spawn(process.execPath, [CLI, 'sync', '--config', configFile, '--store', vtex.account, '--marketplace', 'mercadolivre', '--data-dir', join(work, 'data')], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    children.push(child);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, exited, output: () => output };
  };

  it('is killed halfway, resumes after a restart, and delivers every SKU exactly once', { timeout: Math.max(240_000, SKUS * 40) }, async () => {
    const t0 = performance.now();
    const first = sync();
    await waitFor(() => ml.counters.creates >= SKUS / 2 || first.child.exitCode !== null, { timeoutMs: 300_000, intervalMs: 50, describe: first.output });
    expect(first.child.exitCode, first.output()).toBeNull();
    first.child.kill('SIGKILL');
    await first.exited;
    const atKill = ml.counters.creates;
    const killedAt = performance.now();
    expect(atKill).toBeLessThan(SKUS);

    const second = sync();
    const code = await Promise.race([second.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), Math.max(200_000, SKUS * 30)))]);
    expect(code, second.output()).toBe(0);
    expect(second.output()).toContain('Resuming initial load');
    expect(second.output()).toMatch(new RegExp(`done: ${SKUS} SKUs, ${SKUS} delivered`));

    expect(ml.items.size).toBe(SKUS);
    expect(ml.counters.creates).toBe(SKUS);
    const twice = [...ml.counters.createsBySku].filter(([, n]) => n !== 1);
    expect(twice).toEqual([]);
    for (const sku of vtex.listSkus().filter((_, i) => i % 97 === 0)) {
      expect(ml.getItemBySellerSku(String(sku.id))?.available_quantity).toBe(sku.stock);
    }
    if (process.env.CONNECTOR_INITIAL_LOAD_SKUS) {
      // Figures for bench runs (npm run bench:initial-load:kill-resume).
      const s = (ms: number) => Number((ms / 1000).toFixed(1));
      console.log(JSON.stringify({ bench: 'initial-load', skus: SKUS, database: process.env.DATABASE_URL ? 'postgres' : 'pglite', createdBeforeKill: atKill, secondsToKill: s(killedAt - t0), secondsAfterRestart: s(performance.now() - killedAt), creates: ml.counters.creates, createdTwice: twice.length }));
    }
  });
});
