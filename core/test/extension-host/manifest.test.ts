import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildManifestSchema,
  discoverPlugins,
  engineProblems,
  PLUGIN_MANIFEST_SCHEMA_ID,
  PLUGIN_MANIFEST_SCHEMA_PATH,
  validateManifest,
  type PluginProblem,
} from '@connector/core';
import { PLUGIN_API_VERSION } from '@connector/core/plugin';
import { copyFixture, fixture, REPO } from './support.js';

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
const paths = (problems: PluginProblem[]) => problems.map((p) => p.path);

describe('the published manifest schema', () => {
  it('is the one the code builds from its contribution points (run `npm run schema -w core` after changing them)', () => {
    expect(readJson(PLUGIN_MANIFEST_SCHEMA_PATH)).toEqual(buildManifestSchema());
  });

  it('has an $id versioned with the plugin API major', () => {
    expect(PLUGIN_MANIFEST_SCHEMA_ID).toBe(`https://connector.dev/schema/plugin-manifest/v${PLUGIN_API_VERSION.split('.')[0]}.json`);
    expect(readJson(PLUGIN_MANIFEST_SCHEMA_PATH).$id).toBe(PLUGIN_MANIFEST_SCHEMA_ID);
  });
});

describe('manifest validation (no plugin code runs)', () => {
  it('accepts the Mercado Livre plugin and the valid fixture, applying schema defaults', () => {
    const ml = validateManifest(readJson(join(REPO, 'plugins/mercadolivre/package.json')), join(REPO, 'plugins/mercadolivre'));
    expect(ml.problems).toEqual([]);
    const valid = validateManifest(readJson(fixture('valid/package.json')), fixture('valid'));
    expect(valid.ok).toBe(true);
    expect(valid.ok && valid.manifest.isolation).toBe('worker');
  });

  it('refuses the invalid fixture with every problem at once, each with its JSON pointer and a fix', () => {
    const verdict = validateManifest(readJson(fixture('invalid-manifest/package.json')), fixture('invalid-manifest'));
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.kind).toBe('invalid');
    expect(paths(verdict.problems)).toEqual(
      expect.arrayContaining([
        '/version',
        '/activationEvents/1',
        '/isolation',
        '/contributes/marketplace/id',
        '/contributes/marketplace/displayName',
        '/contributes/marketplace/allowedHosts',
        '/contributes/marketplace/fieldMapping',
        '/contributes/marketplace/fieldMappings/0/target',
        '/contributes/marketplace/fieldMappings/0/transform/0/op',
        '/contributes/marketplace/fieldMappings/0/mandatory',
        '/contributes/marketplace/registrationRules/0/value',
        '/contributes/marketplace/limits/rate/publish',
        '/contributes/marketplace/limits/batch/maxItems',
        '/contributes/marketplace/capabilities/mode',
      ]),
    );
    const byPath = new Map(verdict.problems.map((p) => [p.path, p]));
    expect(byPath.get('/contributes/marketplace/fieldMapping')?.fix).toContain('fieldMappings');
    expect(byPath.get('/contributes/marketplace/id')?.fix).toMatch(/lowercase/);
    expect(byPath.get('/contributes/marketplace/limits/rate/publish')?.fix).toMatch(/perSecond.*perMinute/);
    expect(byPath.get('/contributes/marketplace/displayName')?.message).toBe('is required');
    for (const problem of verdict.problems) {
      expect(problem.fix, problem.path).toBeTruthy();
      expect(problem.message, problem.path).toBeTruthy();
    }
  });

  it('refuses an engines.connector that excludes this core, spans majors, or is missing', () => {
    const verdict = validateManifest(readJson(fixture('incompatible-engine/package.json')), fixture('incompatible-engine'));
    expect(verdict).toMatchObject({ ok: false, kind: 'incompatible' });
    if (verdict.ok) return;
    expect(verdict.problems).toEqual([
      expect.objectContaining({ path: '/engines/connector', message: expect.stringContaining(`implements ${PLUGIN_API_VERSION}`), fix: expect.stringContaining('^1.0.0') }),
    ]);

    expect(engineProblems('>=1.0.0', '1.0.0')[0]).toMatchObject({ path: '/engines/connector', message: expect.stringContaining('more than one major') });
    expect(engineProblems('*', '1.0.0')[0]?.message).toContain('more than one major');
    expect(engineProblems('^1.4.0', '1.0.0')[0]?.fix).toContain('upgrade the connector');
    expect(engineProblems('^0.9.0', '1.0.0')[0]?.fix).toContain('built for plugin API "^1.0.0"');
    expect(engineProblems('^1.0.0', '1.3.0')).toEqual([]);
    expect(engineProblems('1.x', '1.3.0')).toEqual([]);
    expect(engineProblems('>=1.2.0 <2.0.0', '1.3.0')).toEqual([]);

    const pkg = readJson(fixture('valid/package.json'));
    delete (pkg.engines as Record<string, unknown>).connector;
    const missing = validateManifest(pkg, fixture('valid'));
    expect(!missing.ok && missing.problems.map((p) => p.path)).toEqual(['/engines/connector']);
  });

  it('checks what a schema cannot: activation events, entry file, settings schema and secrets', () => {
    const pkg = readJson(fixture('valid/package.json'));
    pkg.activationEvents = ['onMarketplace:someone-else'];
    pkg.main = './dist/missing.js';
    const marketplace = (pkg.contributes as { marketplace: Record<string, unknown> }).marketplace;
    marketplace.settings = {
      type: 'object',
      properties: { pin: { type: 'number', 'x-secret': true }, nested: { type: 'object', properties: { key: { type: 'string', 'x-secret': true } } }, bad: { type: 'nonsense' } },
    };
    const verdict = validateManifest(pkg, fixture('valid'));
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(paths(verdict.problems).sort()).toEqual(
      [
        '/activationEvents/0',
        '/main',
        '/contributes/marketplace/settings',
        '/contributes/marketplace/settings/properties/pin',
        '/contributes/marketplace/settings/properties/nested/properties/key',
      ].sort(),
    );
    expect(verdict.problems.find((p) => p.path === '/activationEvents/0')?.fix).toBe('use "onMarketplace:fixture-valid"');
  });

  it('validates the contribution sub-shapes other parts rely on (field mappings, rules, limits, capabilities)', () => {
    const pkg = readJson(fixture('valid/package.json'));
    const marketplace = (pkg.contributes as { marketplace: Record<string, unknown> }).marketplace;
    marketplace.fieldMappings = [
      { vtexField: 'Ean', howToFill: 'SKU > EAN', vtexApi: 'Catalog', source: 'sku.AlternateIds.Ean', target: 'attributes.GTIN', transform: [{ op: 'ean13', strict: true }, { op: 'trim' }], mandatory: false, buyBox: true, description: 'GTIN' },
    ];
    marketplace.registrationRules = [
      { field: 'title', rule: 'required', message: 'Name it.' },
      { field: 'title', rule: 'pattern', value: '^[A-Z]', message: 'Capitalise.' },
      { field: 'condition', rule: 'enum', value: ['new', 'used'], message: 'Pick one.' },
      { field: 'price', rule: 'min', value: 0.01, message: 'Price it.' },
    ];
    marketplace.limits = { rate: { update: { perMinute: 30 } }, batch: { maxItems: 1, maxBytes: 1, maxWaitMs: 0 }, concurrency: 1 };
    expect(validateManifest(pkg, fixture('valid')).problems).toEqual([]);

    marketplace.registrationRules = [{ field: 'title', rule: 'pattern', value: 5, message: 'x' }, { field: 'title', rule: 'enum', value: [], message: 'x' }, { field: 't', rule: 'bogus', message: 'x' }];
    marketplace.capabilities = { mode: 'feed', canDeactivate: 'yes', needsProductBeforeOffer: false, extra: 1 };
    const verdict = validateManifest(pkg, fixture('valid'));
    expect(paths(verdict.problems)).toEqual(
      expect.arrayContaining([
        '/contributes/marketplace/registrationRules/0/value',
        '/contributes/marketplace/registrationRules/1/value',
        '/contributes/marketplace/registrationRules/2/rule',
        '/contributes/marketplace/capabilities/canDeactivate',
        '/contributes/marketplace/capabilities/extra',
      ]),
    );
  });
});

describe('discovery', () => {
  const temp = mkdtempSync(join(tmpdir(), 'connector-discovery-'));
  afterAll(() => rmSync(temp, { recursive: true, force: true }));

  it('finds plugins in config paths, plugin folders and npm packages with the keyword; refuses the bad ones and loads the rest', () => {
    // An npm install: node_modules/@acme/shop-plugin (keyword) and an unrelated package (no keyword).
    const nm = join(temp, 'app/node_modules');
    mkdirSync(join(nm, '@acme/shop-plugin'), { recursive: true });
    mkdirSync(join(nm, 'left-pad'), { recursive: true });
    const shop = readJson(fixture('valid/package.json'));
    shop.name = '@acme/shop-plugin';
    shop.keywords = ['connector-plugin'];
    (shop.contributes as { marketplace: { id: string } }).marketplace.id = 'acme-shop';
    shop.activationEvents = ['onMarketplace:acme-shop'];
    writeFileSync(join(nm, '@acme/shop-plugin/package.json'), JSON.stringify(shop));
    writeFileSync(join(nm, '@acme/shop-plugin/index.js'), 'throw new Error("never evaluated by discovery")');
    writeFileSync(join(nm, 'left-pad/package.json'), JSON.stringify({ name: 'left-pad', version: '1.0.0' }));
    // A second copy of fixture-valid (same marketplace id) in a plugins folder: a duplicate.
    const dup = copyFixture('valid');
    try {
      const result = discoverPlugins({
        configPaths: [fixture('valid'), fixture('invalid-manifest'), fixture('incompatible-engine')],
        pluginFolders: [join(REPO, 'plugins'), join(dup.dir, '..')],
        npmFrom: [join(temp, 'app')],
      });
      // Every folder of the repository's plugins/ is a plugin of its own.
      const repoPlugins = readdirSync(join(REPO, 'plugins'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
      expect(repoPlugins).toContain('mercadolivre');
      expect([...result.plugins.keys()].sort()).toEqual(['acme-shop', 'fixture-valid', ...repoPlugins].sort());
      expect(result.plugins.get('fixture-valid')).toMatchObject({ dir: fixture('valid'), source: 'config' });
      expect(result.plugins.get('acme-shop')).toMatchObject({ source: 'npm' });
      expect(result.plugins.get('mercadolivre')).toMatchObject({ source: 'plugins-folder' });

      const refused = new Map(result.refused.map((r) => [r.error.code, r]));
      expect(refused.get('CONNECTOR_ERR_PLUGIN_INVALID')).toMatchObject({ dir: fixture('invalid-manifest'), marketplace: 'Fixture_Invalid' });
      expect(refused.get('CONNECTOR_ERR_PLUGIN_INCOMPATIBLE')).toMatchObject({ dir: fixture('incompatible-engine'), label: '@fixtures/plugin-incompatible-engine@2.0.0', marketplace: 'fixture-incompatible' });
      const duplicate = refused.get('CONNECTOR_ERR_PLUGIN_DUPLICATE');
      expect(duplicate).toMatchObject({ dir: dup.dir, source: 'plugins-folder' });
      expect(duplicate?.problems).toEqual([
        { path: '/contributes/marketplace/id', message: expect.stringContaining(`found first`), fix: expect.stringContaining('remove one of the two plugins') },
      ]);
      // Messages name the plugin, the pointer and the fix.
      expect(refused.get('CONNECTOR_ERR_PLUGIN_INVALID')?.error.message).toMatch(/@fixtures\/plugin-invalid-manifest@not-a-version[\s\S]*\/contributes\/marketplace\/id: .* — fix: /);
    } finally {
      dup.cleanup();
    }
  });

  it('reports an unreadable package.json in a config path as a refused plugin', () => {
    const dir = join(temp, 'broken');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{ not json');
    const result = discoverPlugins({ configPaths: [dir], pluginFolders: [], npmFrom: [] });
    expect(result.plugins.size).toBe(0);
    expect(result.refused[0]).toMatchObject({ dir, error: expect.objectContaining({ code: 'CONNECTOR_ERR_PLUGIN_INVALID' }) });
    expect(result.refused[0].problems[0].fix).toBe('make package.json valid JSON');
  });
});
