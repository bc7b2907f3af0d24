import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverPlugins, lintPlugin, mappingContextSchema, MAPPING_CONTEXT_SCHEMA_PATH, renderSection, updateReadme, type PluginManifest } from '@connector/core';
import { generateSku, productJson, skuAndContext } from '../../test/dist/fakes/vtex/catalog.js';
import { openTestDatabase, type TestDatabase } from '../../test/support/database.js';
import { captureLogger, makeHost, REPO } from './extension-host/support.js';

const AUTHORING = join(REPO, 'test/fixtures/authoring');

describe('the mapping context schema (what sources may read)', () => {
  it('is the published core/schema/mapping-context.schema.json (npm run schema -w core)', () => {
    expect(JSON.parse(readFileSync(MAPPING_CONTEXT_SCHEMA_PATH, 'utf8'))).toEqual(mappingContextSchema());
  });

  it("knows every field of VTEX's documents as the fake VTEX serves them (Get SKU and context, Get product)", () => {
    const roots = mappingContextSchema().properties as Record<string, { properties: Record<string, unknown> }>;
    for (const id of [1, 2, 3, 40, 41]) {
      const sku = generateSku(id, 'store');
      expect(Object.keys(skuAndContext(sku)).filter((k) => !(k in roots.sku.properties)), `SKU ${id}`).toEqual([]);
      expect(Object.keys(productJson(sku)).filter((k) => !(k in roots.product.properties)), `product of ${id}`).toEqual([]);
    }
  });
});

describe('the runtime runs the validation rules at load', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await openTestDatabase();
  });
  afterAll(async () => tdb?.cleanup());

  it('refuses a plugin with an error, naming the rule, pointer and fix of each problem; the others load', () => {
    const found = discoverPlugins({ configPaths: [join(AUTHORING, 'mapping-faults'), join(AUTHORING, 'warnings-only')], pluginFolders: [], npmFrom: [] });
    expect([...found.plugins.keys()]).toEqual(['warnings-only']);
    const [refusal] = found.refused;
    expect(refusal.error.code).toBe('CONNECTOR_ERR_PLUGIN_INVALID');
    expect(refusal.problems.map((p) => p.rule)).toEqual(expect.arrayContaining(['mapping/source-unknown', 'mapping/secret-source', 'rules/contradiction']));
    // Errors only: the warnings of a refused plugin are not part of its refusal.
    expect(refusal.problems.every((p) => p.rule && !['mapping/transform-undeclared', 'rules/field-unmapped'].includes(p.rule))).toBe(true);
    expect(refusal.error.message).toContain('/contributes/marketplace/fieldMappings/0/source: "sku.NameCompleet": sku has no "NameCompleet" (did you mean "NameComplete"?) — fix: write sku.NameComplete');
    // Package rules (README, keyword, files) are for `validate`: they never refuse a plugin at load.
    expect(found.plugins.get('warnings-only')!.warnings).toEqual([expect.objectContaining({ rule: 'hosts/loopback', path: '/contributes/marketplace/allowedHosts/0' })]);
  });

  it('logs the warnings of the plugins it loads', () => {
    const { log, lines } = captureLogger();
    makeHost({ db: tdb.db, paths: [join(AUTHORING, 'warnings-only')], stores: [], log });
    expect(lines()).toContainEqual(expect.objectContaining({ level: 40, rule: 'hosts/loopback', plugin: '@fixtures/authoring-warnings-only@1.0.0', msg: expect.stringContaining('is a loopback host') }));
  });
});

describe('README generation (connector plugin docs)', () => {
  const manifest = JSON.parse(readFileSync(join(REPO, 'plugins/mercadolivre/package.json'), 'utf8')) as PluginManifest;

  it('is idempotent and leaves what is outside the markers alone', () => {
    const readme = readFileSync(join(REPO, 'plugins/mercadolivre/README.md'), 'utf8');
    expect(updateReadme(readme, manifest)).toEqual({ text: readme, updated: [], inserted: [] });
    const edited = readme.replace('| `title` | `maxLength` 60 |', '| `title` | `maxLength` 61 |');
    expect(updateReadme(edited, manifest)).toEqual({ text: readme, updated: ['registration-rules'], inserted: [] });
  });

  it('describes a declared plugin op with its own words', () => {
    const m = structuredClone(manifest);
    m.contributes.marketplace.transforms = [{ op: 'sizeGrid', description: 'the size in the grid' }];
    m.contributes.marketplace.fieldMappings![0].transform = [{ op: 'sizeGrid' }];
    expect(renderSection('mapping-table', m)).toContain('| the size in the grid (by the plugin) |');
  });

  it('passes validate for the Mercado Livre plugin (no error, no warning)', () => {
    expect(lintPlugin(join(REPO, 'plugins/mercadolivre')).findings).toEqual([]);
  });
});
