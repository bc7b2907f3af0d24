import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintPlugin } from '@connector/core';

const pluginsDir = join(import.meta.dirname, '../../plugins');
const plugins = readdirSync(pluginsDir).filter((d) => existsSync(join(pluginsDir, d, 'package.json')));

/**
 * `connector plugin validate` over every plugin in plugins/: the rules the runtime runs when it loads
 * a plugin, and the README's generated sections (mapping table, registration rules, settings, limits)
 * equal to what `connector plugin docs` writes from the manifest. Errors fail; warnings are listed.
 */
describe('plugins/* pass connector plugin validate', () => {
  it.each(plugins)('%s: no errors, README sections generated from the manifest', (plugin) => {
    const report = lintPlugin(join(pluginsDir, plugin));
    // `main` is the build's output: `npm test` builds first (tsc -b), so it must exist here too.
    expect(report.findings.filter((f) => f.severity === 'error'), report.findings.map((f) => `${f.rule} ${f.pointer}: ${f.message}`).join('\n')).toEqual([]);
    expect(report.findings.filter((f) => f.rule.startsWith('readme/'))).toEqual([]);
  });
});
