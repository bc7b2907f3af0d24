/**
 * Acceptance of the authors' kit inside the repository: `connector plugin new acme` adds plugins/acme
 * to the workspace; once built, a runtime started with its default discovery finds it there (as it
 * finds every plugins/* package) and syncs a store's SKUs to the template's fake marketplace through
 * the isolated extension host (a worker thread).
 *
 * It writes into the working tree, so it runs alone, after the rest (SOLO in vitest.config.ts), and
 * removes plugins/acme and its tsconfig.json reference whatever happens.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/processes.js';
import { notifyAll, startStack, type Stack } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

const REPO = join(import.meta.dirname, '../..');
const DIR = join(REPO, 'plugins/acme');
const TSCONFIG = join(REPO, 'tsconfig.json');
const SKUS = 40;

interface FakeAcme {
  url: string;
  apiKey: string;
  sellerId: string;
  items: Map<string, { sku: string; price: { amount: number }; stock: number; category: string; status: string }>;
  counters: { creates: number };
  itemBySku(sku: string): { id: string; price: { amount: number }; stock: number; title: string } | undefined;
  close(): Promise<void>;
}

describe('connector plugin new acme, inside the repository', () => {
  const tsconfigBefore = readFileSync(TSCONFIG, 'utf8');
  let fake: FakeAcme | undefined;
  let stack: Stack | undefined;

  beforeAll(() => {
    if (existsSync(DIR)) throw new Error(`${DIR} exists already: remove it (a previous run was killed?) before running this test`);
  });

  afterAll(async () => {
    await stack?.close();
    await fake?.close();
    rmSync(DIR, { recursive: true, force: true });
    // The scaffolder added one line; put the file back exactly as it was.
    const { removeReference } = await import('../../cli/dist/plugin-authoring/scaffold.js');
    removeReference(REPO, 'acme');
    expect(readFileSync(TSCONFIG, 'utf8')).toBe(tsconfigBefore);
  });

  it('creates the plugin as a workspace package, referenced by the build', async () => {
    const { code, stdout, stderr } = await runCli(['plugin', 'new', 'acme'], {}, REPO);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('Created @connector/plugin-acme');
    const pkg = JSON.parse(readFileSync(join(DIR, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({ name: '@connector/plugin-acme', keywords: ['connector-plugin'], contributes: { marketplace: { id: 'acme', displayName: 'Acme' } } });
    expect(pkg.devDependencies['@connector/core']).toBe(JSON.parse(readFileSync(join(REPO, 'core/package.json'), 'utf8')).version);
    expect(JSON.parse(readFileSync(TSCONFIG, 'utf8')).references).toContainEqual({ path: 'plugins/acme' });
    expect(existsSync(join(DIR, 'src/acme-api.ts')) && existsSync(join(DIR, 'test/fake-acme.ts'))).toBe(true);

    // Built by the repository's own build (tsc -b, through its project reference to core).
    const tsc = spawnSync(join(REPO, 'node_modules/.bin/tsc'), ['-b', 'plugins/acme'], { cwd: REPO, encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(existsSync(join(DIR, 'dist/index.js'))).toBe(true);
  });

  it("passes its own tests in the workspace (type-checked, run by the repository's vitest)", () => {
    const typecheck = spawnSync(join(REPO, 'node_modules/.bin/tsc'), ['-p', 'plugins/acme/tsconfig.test.json'], { cwd: REPO, encoding: 'utf8' });
    expect(typecheck.stdout + typecheck.stderr).toBe('');
    const tests = spawnSync(process.execPath, [join(REPO, 'node_modules/vitest/vitest.mjs'), 'run', 'plugins/acme'], { cwd: REPO, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(tests.status, tests.stdout + tests.stderr).toBe(0);
    expect(tests.stdout).toMatch(/Test Files\s+2 passed/);
  });

  it('passes connector plugin validate', async () => {
    const { code, stdout } = await runCli(['plugin', 'validate', 'plugins/acme', '--json'], {}, REPO);
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, errors: 0, warnings: 0, findings: [] });
    expect(code).toBe(0);
  });

  it('is discovered by a runtime (workspace plugins/) and syncs SKUs to its fake through the isolated host', async () => {
    // The fake marketplace the template ships with its tests (TypeScript: loaded through vitest).
    const { FakeAcme } = (await import(join(DIR, 'test/fake-acme.ts'))) as { FakeAcme: { start(): Promise<FakeAcme> } };
    fake = await FakeAcme.start();
    const acme = fake;
    stack = await startStack({
      skus: SKUS,
      configure: (raw) => {
        // Only the new plugin's integration: default discovery, no plugin paths.
        raw.stores[0].integrations = [
          { marketplace: 'acme', categoryMappings: { '7': 'ACME-100' }, settings: { apiKey: acme.apiKey, sellerId: acme.sellerId, apiBaseUrl: acme.url } },
        ];
      },
    });
    const found = stack.runtime.plugins.list().find((p) => p.manifest.contributes.marketplace.id === 'acme');
    expect(found).toMatchObject({ dir: DIR, source: 'plugins-folder', manifest: { name: '@connector/plugin-acme' } });

    const skus = stack.vtex.listSkus();
    await notifyAll(stack, skus.map((s) => s.id));
    const synced = () => stack!.runtime.db.query<{ n: number }>(`select count(*)::int as n from sku_state where marketplace = 'acme' and status = 'synced'`);
    await waitFor(async () => (await synced())[0].n === SKUS, {
      timeoutMs: 90_000,
      describe: async () => JSON.stringify(await stack!.runtime.db.query(`select sku_id, status, fixes, last_response from sku_state where marketplace = 'acme' and status <> 'synced' limit 3`)),
    });
    expect(acme.counters.creates).toBe(SKUS);
    for (const sku of skus) {
      const item = acme.itemBySku(String(sku.id));
      expect(item, `SKU ${sku.id}`).toMatchObject({ price: { amount: (sku.sellingPrice ?? sku.price) / 100 }, stock: sku.stock });
    }
    // It ran in its own extension host, not in the core's thread.
    const status = stack.runtime.plugins.status().find((p) => p.marketplace === 'acme');
    expect(status).toMatchObject({ state: 'running', source: 'plugins-folder', host: { isolation: 'worker', host: { threadId: expect.any(Number) } } });
  });
});
