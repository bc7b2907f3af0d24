import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileSpec, validateManifest, type PluginManifest } from '@connector/core';

const pluginsDir = join(import.meta.dirname, '../../plugins');
const plugins = readdirSync(pluginsDir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);
const read = (plugin: string) => JSON.parse(readFileSync(join(pluginsDir, plugin, 'package.json'), 'utf8')) as PluginManifest & Record<string, unknown>;

/** Until `connector plugin validate` exists: what it must accept, checked the way the runtime checks at discovery. */
describe('the repository plugins’ manifests', () => {
  it('include the five per-item marketplaces', () => {
    expect(plugins).toEqual(expect.arrayContaining(['mercadolivre', 'magalu', 'netshoes', 'skyhub', 'casasbahia']));
  });

  it.each(plugins)('%s: the manifest schema (and the runtime’s other checks) accept it; its mapping and rules compile', (plugin) => {
    const manifest = read(plugin);
    expect(validateManifest(manifest, join(pluginsDir, plugin)).problems).toEqual([]);
    expect(compileSpec(manifest.contributes.marketplace.id, manifest).problems).toEqual([]);
  });

  it.each(plugins)('%s: its own version, the connector-plugin keyword, engines.connector on plugin API 1 (^1.0.0, or ^1.1.0 for the feed plugins that use 1.1), a changelog entry for it', (plugin) => {
    const manifest = read(plugin);
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(manifest.keywords).toContain('connector-plugin');
    expect(['^1.0.0', '^1.1.0']).toContain((manifest.engines as Record<string, string>).connector);
    expect(readFileSync(join(pluginsDir, plugin, 'CHANGELOG.md'), 'utf8')).toContain(`## ${manifest.version}`);
  });

  it.each(plugins)('%s: credentials are marked secret, so they never reach the mapping or a log', (plugin) => {
    const props = (read(plugin).contributes.marketplace.settings as { properties: Record<string, { 'x-secret'?: boolean }> }).properties;
    for (const [name, prop] of Object.entries(props)) {
      if (/(token|secret|password|apiKey|managerKey)$/i.test(name)) expect(prop['x-secret'], name).toBe(true);
    }
  });
});
