import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderMappingTable, type PluginManifest } from '@connector/core';

const pluginsDir = join(import.meta.dirname, '../../plugins');
const plugins = readdirSync(pluginsDir).filter((d) => existsSync(join(pluginsDir, d, 'README.md')));

describe('plugin READMEs', () => {
  it.each(plugins)('%s: the mapping table between the markers is the one its manifest generates', (plugin) => {
    const manifest = JSON.parse(readFileSync(join(pluginsDir, plugin, 'package.json'), 'utf8')) as PluginManifest;
    const readme = readFileSync(join(pluginsDir, plugin, 'README.md'), 'utf8');
    const table = readme.match(/<!-- mapping-table:start[^>]*-->\n([\s\S]*?)\n<!-- mapping-table:end -->/)?.[1];
    const { displayName, fieldMappings } = manifest.contributes.marketplace;
    expect(table, 'markers present').toBeDefined();
    expect(table).toBe(renderMappingTable(fieldMappings!, displayName));
  });
});
