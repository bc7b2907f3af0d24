/**
 * `connector plugin list`: every plugin discovery finds (config paths, plugins/, npm), its source and
 * engine compatibility, and — read from the runtime's database — its activation state and quarantine
 * reason. Before any runtime ran the states are `unknown`; while a runtime holds the embedded
 * database they stay unknown (PGlite has one owner), while on Postgres they are read live.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConnectorRuntime, createLogger, loadConfigFile, PgDatabase } from '@connector/core';
import { runCli } from '../../test/support/processes.js';
import { waitFor } from '../../test/support/wait.js';

const REPO = join(import.meta.dirname, '../..');
const fixture = (name: string) => join(REPO, 'test/fixtures/plugins', name);
const pg = process.env.DATABASE_URL;
const schema = `t_list_${randomBytes(4).toString('hex')}`;
const temp = mkdtempSync(join(tmpdir(), 'connector-plugin-list-'));
const dataDir = join(temp, 'data');
const configFile = join(temp, 'connector.json');
writeFileSync(
  configFile,
  JSON.stringify({
    plugins: { paths: [fixture('valid'), fixture('throws-in-activate'), fixture('incompatible-engine')] },
    stores: [
      {
        account: 'liststore',
        webhookToken: 'list-token',
        vtex: { appKey: 'k', appToken: 't', affiliateId: 'TST', salesChannel: 1 },
        integrations: [
          { marketplace: 'fixture-valid', settings: { accessToken: 'x', apiBaseUrl: 'http://127.0.0.1:9' } },
          { marketplace: 'fixture-throws', settings: {} },
        ],
      },
    ],
    reconciliation: { enabled: false },
  }),
);
// Postgres: a schema of this file's own; PGlite: a data dir of its own (read by the CLI after the runtime let go of it).
const env = pg ? { CONNECTOR_DB_SCHEMA: schema } : {};
const dbArgs = pg ? [] : ['--data-dir', dataDir];

interface Listed {
  marketplace?: string;
  name: string;
  source: string;
  engine: { range?: string; compatible: boolean };
  state: string;
  reason?: string;
  activations: Array<{ store: string; state: string; runtime: string }>;
}

async function list(): Promise<{ database: { available: boolean; note: string }; plugins: Listed[]; integrations: unknown[] }> {
  const { code, stdout, stderr } = await runCli(['plugin', 'list', '--config', configFile, '--json', ...dbArgs], env);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return JSON.parse(stdout);
}
const byId = (plugins: Listed[], id: string) => plugins.find((p) => p.marketplace === id)!;

afterAll(async () => {
  if (pg) {
    const db = new PgDatabase(pg, schema, 1);
    await db.query(`drop schema if exists ${schema} cascade`);
    await db.query(`drop schema if exists ${schema}_boss cascade`);
    await db.close();
  }
  rmSync(temp, { recursive: true, force: true });
});

describe('connector plugin list', () => {
  it('before any runtime: every plugin found, where from, whether its engine fits — states unknown, and why', async () => {
    const listed = await list();
    expect(listed.database.available).toBe(false);
    expect(byId(listed.plugins, 'fixture-valid')).toMatchObject({ source: 'path', engine: { range: '^1.0.0', compatible: true }, state: 'unknown' });
    expect(byId(listed.plugins, 'mercadolivre')).toMatchObject({ source: 'workspace', name: '@connector/plugin-mercadolivre', state: 'unknown' });
    expect(byId(listed.plugins, 'fixture-incompatible')).toMatchObject({
      source: 'path',
      engine: { range: '^2.0.0', compatible: false },
      state: 'refused',
      reason: expect.stringContaining('CONNECTOR_ERR_PLUGIN_INCOMPATIBLE: /engines/connector requires plugin API ^2.0.0'),
    });
    expect(byId(listed.plugins, 'fixture-valid').reason).toMatch(pg ? /cannot read the runtime's records/ : /no runtime has run on/);
    // With the config: each integration's effective limits, as before.
    expect(listed.integrations).toContainEqual(expect.objectContaining({ store: 'liststore', marketplace: 'fixture-valid', plugin: '@fixtures/plugin-valid@1.2.3' }));
  });

  it('shows what runtimes did: activations, and a quarantine with its reason — live on Postgres, after shutdown on PGlite', async () => {
    const config = loadConfigFile(configFile);
    const runtime = await ConnectorRuntime.create({
      config,
      database: pg ? { url: pg, schema } : { dataDir },
      workers: false,
      logger: createLogger({ level: 'silent' }),
      pluginHost: { limits: { crashBudget: { max: 3, windowMs: 60_000 }, restartBackoff: { initialMs: 10, maxMs: 50 } } },
    });
    try {
      await runtime.start();
      const store = runtime.stores.get('liststore')!;
      await runtime.plugins.handlers(store, 'fixture-valid');
      for (let i = 0; i < 3; i++) await runtime.plugins.handlers(store, 'fixture-throws').catch(() => undefined);
      await waitFor(async () => (await runtime.db.query(`select 1 from plugin_health where marketplace = 'fixture-throws' and status = 'quarantined'`)).length === 1);
      await waitFor(async () => (await runtime.db.query(`select 1 from plugin_activations where marketplace = 'fixture-valid' and state = 'active'`)).length === 1);

      const live = await list();
      if (pg) {
        expect(live.database.available).toBe(true);
        expect(byId(live.plugins, 'fixture-valid')).toMatchObject({ state: 'active', activations: [{ store: 'liststore', state: 'active', runtime: expect.stringMatching(/:\d+$/) }] });
        expect(byId(live.plugins, 'fixture-throws')).toMatchObject({ state: 'quarantined', reason: expect.stringContaining('the partner key is missing') });
        expect(byId(live.plugins, 'mercadolivre').state).toBe('never activated');
      } else {
        // One process owns an embedded database: the CLI says so instead of guessing.
        expect(live.database).toMatchObject({ available: false, note: expect.stringContaining('CONNECTOR_ERR_DATABASE_IN_USE') });
        expect(byId(live.plugins, 'fixture-valid')).toMatchObject({ state: 'unknown', reason: live.database.note });
      }
    } finally {
      await runtime.stop();
    }

    const after = await list();
    expect(after.database.available).toBe(true);
    expect(byId(after.plugins, 'fixture-valid')).toMatchObject({ state: 'inactive', activations: [{ store: 'liststore', state: 'deactivated' }] });
    expect(byId(after.plugins, 'fixture-throws')).toMatchObject({ state: 'quarantined', reason: expect.stringContaining('the partner key is missing') });
    expect(byId(after.plugins, 'mercadolivre').state).toBe('never activated');
  });

  it('prints the same for people', async () => {
    const { stdout } = await runCli(['plugin', 'list', '--config', configFile, ...dbArgs], env);
    expect(stdout).toMatch(/fixture-valid\s+@fixtures\/plugin-valid@1\.2\.3\s+path\s+engine \^1\.0\.0 compatible\s+INACTIVE/);
    expect(stdout).toMatch(/fixture-incompatible\s+@fixtures\/plugin-incompatible-engine@2\.0\.0\s+path\s+engine \^2\.0\.0 INCOMPATIBLE\s+REFUSED/);
    expect(stdout).toContain('Effective limits per integration');
  });
});
