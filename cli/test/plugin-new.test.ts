/**
 * Acceptance of the authors' kit outside the repository: `connector plugin new` in an empty folder,
 * then — with no edits — `npm install && npm test` pass and `connector plugin validate` finds no
 * error, for both styles. The generated package links this checkout's core (`file:`), as a local run
 * does. Then the item plugin is packed (`npm pack`), installed into a runtime's node_modules, found by
 * its keyword, and syncs SKUs through the isolated host. Durations are printed (the figure with a goal
 * is bench/plugin-new: tests never assert on time).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PLUGIN_API_VERSION } from '@connector/core/plugin';
import { CLI, runCli } from '../../test/support/processes.js';
import { notifyAll, startStack, type Stack } from '../../test/support/stack.js';
import { waitFor } from '../../test/support/wait.js';

const REPO = join(import.meta.dirname, '../..');
const temp = mkdtempSync(join(tmpdir(), 'connector-plugin-new-'));

function run(command: string, args: string[], cwd: string) {
  const started = performance.now();
  const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', env });
  // eslint-disable-next-line no-control-regex
  return { code: r.status, out: `${r.stdout}${r.stderr}`.replace(/\x1b\[[0-9;]*m/g, ''), ms: Math.round(performance.now() - started) };
}

afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('connector plugin new (refusals)', () => {
  it('refuses an invalid marketplace id, saying what one looks like', async () => {
    const { code, stderr } = await runCli(['plugin', 'new', 'Acme_Shop'], {}, temp);
    expect(code).toBe(1);
    expect(stderr).toMatch(/CONNECTOR_ERR_INVALID_ARGUMENT: id: "Acme_Shop" is not a marketplace id: use 2–40 lowercase letters/);
    expect(readdirSync(temp)).toEqual([]);
  });

  it('refuses a folder that is not empty, and touches nothing in it', async () => {
    const dir = join(temp, 'busy');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    const { code, stderr } = await runCli(['plugin', 'new', 'acme', '--dir', dir], {}, temp);
    expect(code).toBe(1);
    expect(stderr).toContain(`${dir} is not an empty folder`);
    expect(readdirSync(dir)).toEqual(['notes.txt']);
    rmSync(dir, { recursive: true });
  });

  it('refuses an unknown style', async () => {
    const { code, stderr } = await runCli(['plugin', 'new', 'acme', '--style', 'bulk'], {}, temp);
    expect(code).toBe(1);
    expect(stderr).toMatch(/style/);
  });
});

describe.each(['item', 'feed'] as const)('connector plugin new --style %s, in an empty folder outside the repository', (style) => {
  const cwd = join(temp, style);
  const id = style === 'item' ? 'acme' : 'acme-feed';
  const dir = join(cwd, id);
  const times: Record<string, number> = {};

  it('creates the plugin', async () => {
    mkdirSync(cwd);
    const started = performance.now();
    const { code, stdout, stderr } = await runCli(['plugin', 'new', id, '--style', style], {}, cwd);
    times.new = Math.round(performance.now() - started);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(`Created connector-plugin-${id}`);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(pkg.engines.connector).toBe(`^${PLUGIN_API_VERSION}`);
    expect(pkg.contributes.marketplace.capabilities.mode).toBe(style);
    // A local run: the core of this checkout, linked (never looked up on the registry).
    expect(pkg.devDependencies['@connector/core']).toBe(`file:${join(REPO, 'core')}`);
    expect(pkg.peerDependencies['@connector/core']).toMatch(/^\^\d+\.\d+\.\d+$/);
    expect(existsSync(join(dir, '.gitignore'))).toBe(true);
    expect(readdirSync(join(dir, 'src')).sort()).toEqual([`${id}-api.ts`, 'index.ts']);
  });

  it('npm install && npm test pass with no edits', () => {
    const install = run('npm', ['install'], dir);
    times.install = install.ms;
    expect(install.code, install.out).toBe(0);
    expect(existsSync(join(dir, 'dist/index.js'))).toBe(true); // prepare built it
    const test = run('npm', ['test'], dir);
    times.test = test.ms;
    expect(test.code, test.out).toBe(0);
    expect(test.out).toMatch(/Tests\s+\S*\d+ passed/);
  });

  it('connector plugin validate reports no error', () => {
    const validate = run(process.execPath, [CLI, 'plugin', 'validate', '--json'], dir);
    times.validate = validate.ms;
    expect(validate.code, validate.out).toBe(0);
    expect(JSON.parse(validate.out)).toMatchObject({ ok: true, errors: 0, warnings: 0 });
    console.log(`plugin new --style ${style}: ${JSON.stringify({ ...times, totalMs: times.new + times.install + times.test + times.validate })}`);
  });
});

describe('a plugin packed with npm pack and installed into a runtime', () => {
  const plugin = join(temp, 'item/acme');
  const runtimeDir = join(temp, 'runtime');
  let stack: Stack | undefined;
  let fake: { url: string; apiKey: string; sellerId: string; counters: { creates: number }; close(): Promise<void> } | undefined;

  afterAll(async () => {
    await stack?.close();
    await fake?.close();
  });

  it('is found among installed npm packages by its keyword, and syncs through the isolated host', async () => {
    const pack = run('npm', ['pack', '--pack-destination', temp], plugin);
    expect(pack.code, pack.out).toBe(0);
    const tarball = join(temp, 'connector-plugin-acme-0.1.0.tgz');
    expect(existsSync(tarball)).toBe(true);
    // A runtime's folder: it depends on the core (here this checkout's), which satisfies the plugin's peer dependency.
    mkdirSync(runtimeDir);
    writeFileSync(join(runtimeDir, 'package.json'), JSON.stringify({ name: 'my-connector', private: true, dependencies: { '@connector/core': `file:${join(REPO, 'core')}` } }));
    const install = run('npm', ['install', tarball], runtimeDir);
    expect(install.code, install.out).toBe(0);
    const installed = join(runtimeDir, 'node_modules/connector-plugin-acme');
    expect(readdirSync(installed).sort()).toEqual(['README.md', 'dist', 'package.json']);

    const { FakeAcme } = (await import(join(plugin, 'test/fake-acme.ts'))) as { FakeAcme: { start(): Promise<NonNullable<typeof fake>> } };
    fake = await FakeAcme.start();
    const acme = fake;
    stack = await startStack({
      skus: 12,
      // Where the runtime looks for npm packages: its own folder (not the repository's plugins/).
      pluginHost: { discovery: { pluginFolders: [], npmFrom: [runtimeDir] } },
      configure: (raw) => {
        raw.stores[0].integrations = [{ marketplace: 'acme', categoryMappings: { '7': 'ACME-100' }, settings: { apiKey: acme.apiKey, sellerId: acme.sellerId, apiBaseUrl: acme.url } }];
      },
    });
    const found = stack.runtime.plugins.list().find((p) => p.manifest.contributes.marketplace.id === 'acme');
    expect(found).toMatchObject({ source: 'npm', manifest: { name: 'connector-plugin-acme', keywords: ['connector-plugin'] } });
    expect(found!.dir).toBe(installed);

    await notifyAll(stack, stack.vtex.listSkus().map((s) => s.id));
    const synced = async () => (await stack!.runtime.db.query<{ n: number }>(`select count(*)::int as n from sku_state where marketplace = 'acme' and status = 'synced'`))[0].n;
    await waitFor(async () => (await synced()) === 12, {
      timeoutMs: 60_000,
      describe: async () =>
        `${await synced()} synced; ${JSON.stringify(await stack!.runtime.db.query(`select sku_id, status, fixes, last_response from sku_state where marketplace = 'acme' limit 2`))} ${JSON.stringify(stack!.runtime.plugins.status().find((p) => p.marketplace === 'acme'))}`,
    });
    expect(acme.counters.creates).toBe(12);
    expect(stack.runtime.plugins.status().find((p) => p.marketplace === 'acme')).toMatchObject({ state: 'running', source: 'npm', host: { isolation: 'worker' } });
  });
});
